# vktensor: `make run` trains MNIST, `make test` runs every test. Both do
# the set-up first (scripts/setup.sh installs only what is missing).

GO ?= go

.PHONY: all setup run test test-race shaders fmt bench bench-readme

all: test

setup:
	@./scripts/setup.sh

# Trains the MNIST classifier on the best device (the CPU when there is no
# usable GPU).
run: setup
	@if [ -d cmd/mnist-gpu ]; then $(GO) run ./cmd/mnist-gpu $(ARGS); \
	else $(GO) test ./tensor -run Example -v; fi

# Every test, with the Vulkan validation layer on (lavapipe stands in for a
# GPU on machines without one), plus the check that the committed SPIR-V is
# what the shader sources compile to.
test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-race: setup
	$(GO) test -race -short -count=1 -timeout 20m ./tensor/... ./internal/...

# Recompile the shaders after editing shaders/*.comp.
shaders:
	$(GO) generate ./shaders

fmt:
	gofmt -l -w $$(git ls-files '*.go')

# Side-by-side benchmarks (go run ./bench -h lists the flags).
bench: setup
	$(GO) run ./bench $(ARGS)

# Runs every suite and writes the README's Performance tables to
# bench/out/perf.md (plus JSON lines and PNG plots). With a GPU, add
# ARGS='-with-torch' to put PyTorch beside vktensor.
bench-readme: setup
	$(GO) run ./bench -device cpu,gpu -json bench/out/results.jsonl -md bench/out/perf.md -png bench/out $(ARGS)
