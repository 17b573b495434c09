# hivetrace — common tasks. `make run` and `make test` are all a fresh machine needs.

GO        ?= go
JAEGER    ?= $(CURDIR)/.cache/bin/jaeger
export HIVETRACE_JAEGER_BIN ?= $(JAEGER)

# The modules of the repository, each tested, vetted, fuzzed and tidied on
# its own: the instrumentation (root), the record pipeline and Setup
# (exporter), the Hive server and CLI (hive/server), the examples, and the
# integration tests and benchmarks. tools/ builds Jaeger only.
MODULES := . exporter hive/server examples integration

# The suite must never test fewer packages than this (make test fails).
MIN_TESTED_PACKAGES := 41

.PHONY: run test bench bench-check soak fuzz jaeger up lint tidy

## run: the quickstart demo with embedded defaults (no Docker, no cloud);
## RUNFLAGS=-serve keeps its server and records UI running afterwards
run:
	cd examples && $(GO) run ./quickstart $(RUNFLAGS)

## test: the whole suite of every module under the race detector, then the
## count of tested packages. The modules that need no Jaeger run first; the
## Jaeger binary is built (once, 7-12 minutes on a new machine, with progress)
## just before the integration tests that start it.
test:
	@echo "make test: every module's tests under -race; integration last, after the one-time Jaeger build."
	@GO=$(GO) MIN_TESTED_PACKAGES=$(MIN_TESTED_PACKAGES) JAEGER_BUILD="$(MAKE) --no-print-directory jaeger" \
		./scripts/test-modules.sh $(MODULES)

## bench: the reference figures measured side by side in one run, as a
## table of ratios ending with "N of M figures met" (several minutes: figure 5
## makes a million runs; figure 6 needs the Jaeger binary)
bench: $(JAEGER)
	cd integration && $(GO) run ./bench $(BENCHFLAGS)

## bench-check: make bench, exiting non-zero when any figure misses (not part
## of make test: shared machines are noisy)
bench-check: $(JAEGER)
	cd integration && $(GO) run ./bench -check $(BENCHFLAGS)

## soak: the soak and outage report: real hive serve processes killed and
## restarted under load, figures against their targets (about 6 minutes; not
## part of make test; SOAKFLAGS=-quick for a short try)
soak:
	cd integration && $(GO) run ./soak $(SOAKFLAGS)

## fuzz: every Fuzz* target of every module, FUZZTIME (30s) each
FUZZTIME ?= 30s
fuzz:
	@set -e; for mod in $(MODULES); do \
		for pkg in $$(cd $$mod && $(GO) list ./...); do \
			for target in $$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
				echo "== $$pkg $$target"; \
				(cd $$mod && $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg); \
			done; \
		done; \
	done

## up: Jaeger, hive serve and the example service on this machine (no Docker),
## printing their URLs; Ctrl-C stops all three
up: $(JAEGER)
	GO=$(GO) JAEGER=$(JAEGER) ./scripts/up.sh

## jaeger: build the Jaeger v2 binary from the tools module into .cache/bin
jaeger: $(JAEGER)

# A cold build takes 7-12 minutes of 2 cores (module downloads included, on a
# new machine); Go's build cache makes later ones quick. The script says so
# before it starts, shows the build's progress and times itself.
$(JAEGER): tools/go.mod tools/go.sum
	@GO=$(GO) ./scripts/build-jaeger.sh $(JAEGER)

## lint: gofmt and go vet over every module
lint:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	@set -e; for mod in $(MODULES); do echo "== vet $$mod"; (cd $$mod && $(GO) vet ./...); done

## tidy: go mod tidy in every module (and tools)
tidy:
	@set -e; for mod in $(MODULES) tools; do echo "== tidy $$mod"; (cd $$mod && $(GO) mod tidy); done
