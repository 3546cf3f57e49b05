// Package parquetcheck holds a test that reads the files written by package
// formats with DuckDB, an independent Parquet, CSV and JSON reader. It is a
// module of its own so that the main module does not depend on DuckDB (a
// cgo driver with a large prebuilt library); run it with
//
//	cd formats/parquetcheck && go test ./...
package parquetcheck
