# vktensor: `make run` trains MNIST, `make test` runs every test. Both do
# the set-up first (scripts/setup.sh installs only what is missing).

GO ?= go

.PHONY: all setup run chargpt test test-race fuzz shaders fmt bench bench-readme readme-perf

all: test

setup:
	@./scripts/setup.sh

# Trains the MNIST classifier on the best device (the CPU when there is no
# usable GPU).
run: setup
	$(GO) run ./cmd/mnist-gpu $(ARGS)

# Trains the character-level GPT's tiny preset on the Go sources of this
# installation, on the best device (cmd/chargpt; ARGS='-preset small' on a
# GPU, ARGS='-device cpu' to stay on the CPU).
chargpt: setup
	$(GO) run ./cmd/chargpt -preset tiny -sample 'func main() {' $(ARGS)

# Every test, with the Vulkan validation layer on (lavapipe stands in for a
# GPU on machines without one), plus the check that the committed SPIR-V is
# what the shader sources compile to.
test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-race: setup
	$(GO) test -race -short -count=1 -timeout 20m ./tensor/... ./internal/...

# Every fuzz target for FUZZTIME each (go test -fuzz takes one target at a
# time): the IDX and safetensors readers, and shapes and chains of views.
# Failing inputs land in the package's testdata/fuzz and then run in make test.
FUZZTIME ?= 30s
FUZZ_TARGETS = ./datasets/mnist:FuzzReadImages ./datasets/mnist:FuzzReadLabels \
	./nn/safetensors:FuzzRead ./tensor:FuzzViewChain ./tensor:FuzzReshape ./tensor:FuzzBroadcastShapes \
	./tensor:FuzzPromotion
fuzz: setup
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} $${t##*:} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

# Recompile the shaders after editing shaders/*.comp.
shaders:
	$(GO) generate ./shaders

fmt:
	gofmt -l -w $$(git ls-files '*.go')

# Side-by-side benchmarks (go run ./bench -h lists the flags).
bench: setup
	$(GO) run ./bench $(ARGS)

# Runs every suite on this machine's devices, keeps the tables in
# bench/results/$(RESULTS).md (plus JSON lines and PNG plots in bench/out),
# and regenerates the README's Performance section from bench/results.
# With a GPU, add ARGS='-with-torch' to put PyTorch beside vktensor; on a
# GPU machine without Go, scripts/gpu-check.sh does the same from binaries.
RESULTS ?= $(shell hostname)
bench-readme: setup
	mkdir -p bench/results bench/out
	$(GO) run ./bench -json bench/out/results.jsonl -md bench/results/$(RESULTS).md -png bench/out $(ARGS)
	./scripts/readme-perf.sh

# Regenerates the README's Performance section from bench/results only.
readme-perf:
	./scripts/readme-perf.sh
