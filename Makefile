# flowmeter — see README.md. Targets:
#   build         build bin/flowmeter
#   demo          build, then run flowmeter on the bundled sample capture
#   test          vet, gofmt check and all tests (the CI command)
#   bench         generate a 1M-packet capture and measure cat / gopacket / flowmeter
#   fuzz          run every fuzz target for FUZZTIME each
#   lint          go vet + gofmt check
#   corpus-check  the corpus comparisons over every capture, not a subset
#   docs          regenerate docs/FEATURES.md from the feature table
#   sample        regenerate testdata/sample.pcap (deterministic)

GO       ?= go
BIN      := bin/flowmeter
FUZZTIME ?= 20s
BENCHDIR ?= bench-out
BENCHPKTS ?= 1000000

.PHONY: build demo test bench fuzz lint corpus-check docs sample clean

# A static binary (no cgo: nothing needs it yet; the future libpcap live
# source will opt in with a build tag). It also keeps libc out of the
# resident set (docs/PERFORMANCE.md, memory).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/flowmeter

demo: build
	./$(BIN) inspect testdata/sample.pcap
	mkdir -p out
	./$(BIN) flows -o out/sample-flows.csv testdata/sample.pcap
	@echo "--- first records of out/sample-flows.csv:"
	@head -n 3 out/sample-flows.csv | cut -c1-200

lint:
	$(GO) vet ./...
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

test: lint
	$(GO) test -count=1 -timeout 30m ./...
	@# The concurrent parts (sharded engine, output batcher, streaming join,
	@# read-ahead) once more under the race detector.
	$(GO) test -race -count=1 -timeout 20m ./features/engine/ ./enricher/ ./reader/ ./cmd/flowmeter/
	@# DuckDB (an independent Parquet/CSV/JSON reader) lives in its own module
	@# so that the main build never needs cgo; it reads back our outputs.
	cd formats/parquetcheck && $(GO) test -count=1 -timeout 20m ./...

corpus-check:
	FLOWMETER_CORPUS_FULL=1 $(GO) test -count=1 -timeout 120m ./...

fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for fz in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$fz ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench: build
	$(GO) build -o bin/fm-gencap ./cmd/fm-gencap
	$(GO) build -o bin/fm-bench ./cmd/fm-bench
	mkdir -p $(BENCHDIR)
	@# The capture with its conn.log and eve.json (>= 1M records each: the
	@# capture's flows first, then synthetic records not in the capture).
	./bin/fm-gencap -o $(BENCHDIR) -packets $(BENCHPKTS) -zeek -eve -conn-records 1000000 -eve-records 1000000
	./bin/fm-bench -flowmeter ./$(BIN) \
	  -cmd './$(BIN) flows -q --workers 2 -f csv -o {tmp}/flows2.csv {}' \
	  -cmd './$(BIN) enrich -q --pcap {} --zeek $(BENCHDIR)/conn.log -f jsonl -o {tmp}/conn.jsonl' \
	  -conn $(BENCHDIR)/conn.log -eve $(BENCHDIR)/eve.json \
	  $(BENCHDIR)/synth.pcap
	@# A SYN flood of 5M distinct flows under --max-flows: memory stays bounded.
	./bin/fm-gencap -o $(BENCHDIR) -packets 0 -synflood 5000000
	./bin/fm-bench -runs 1 -cmd './$(BIN) flows -q --max-flows 100000 -f csv -o {tmp}/syn.csv {}' $(BENCHDIR)/synflood.pcap
	$(GO) test -run '^$$' -bench . -benchmem ./reader/ ./features/... ./formats/... ./enricher/ ./internal/gencap/

docs:
	$(GO) run ./cmd/fm-docs > docs/FEATURES.md

sample:
	$(GO) run ./cmd/fm-gencap -o testdata/sample-gen -packets 2000 -concurrent 40 -seed 7
	cp testdata/sample-gen/synth.pcap testdata/sample.pcap
	rm -rf testdata/sample-gen

clean:
	rm -rf bin out $(BENCHDIR)
