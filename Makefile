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
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
