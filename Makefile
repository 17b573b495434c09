# hivetrace — common tasks. `make run` and `make test` are all a fresh machine needs.

GO        ?= go
JAEGER    ?= $(CURDIR)/.cache/bin/jaeger
export HIVETRACE_JAEGER_BIN ?= $(JAEGER)

.PHONY: run test bench fuzz jaeger up lint

## run: the quickstart demo with embedded defaults (no Docker, no cloud)
run:
	$(GO) run ./examples/quickstart

## test: the whole suite under the race detector (builds Jaeger once if missing)
test: $(JAEGER)
	$(GO) test -race -count=1 -timeout 30m ./...

## bench: the six reference figures measured side by side in one run, as a
## table of ratios (several minutes: figure 5 makes a million runs; figure 6
## needs the Jaeger binary)
bench: $(JAEGER)
	$(GO) run ./bench

## fuzz: every Fuzz* target of the module, FUZZTIME (30s) each
FUZZTIME ?= 30s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

## up: Jaeger, hive serve and the example service on this machine (no Docker),
## printing their URLs; Ctrl-C stops all three
up: $(JAEGER)
	GO=$(GO) JAEGER=$(JAEGER) ./scripts/up.sh

## jaeger: build the Jaeger v2 binary from the tools module into .cache/bin
jaeger: $(JAEGER)

# A cold build takes about 5-7 minutes of 2 cores (plus module downloads on a
# new machine); Go's build cache makes later ones quick. The binary is written
# under a temporary name and renamed, so an interrupted build never leaves a
# truncated binary that make would take as up to date.
$(JAEGER): tools/go.mod tools/go.sum
	mkdir -p $(dir $(JAEGER))
	cd tools && $(GO) build -o $(JAEGER).tmp github.com/jaegertracing/jaeger/cmd/jaeger
	mv -f $(JAEGER).tmp $(JAEGER)

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
