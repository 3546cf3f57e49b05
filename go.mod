module github.com/flowmeter/flowmeter

go 1.26
