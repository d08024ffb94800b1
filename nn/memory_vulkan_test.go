package nn

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/tensor"
)

// TestStepLoopMemoryVulkan trains a small MNIST MLP (784-16-16-10: the
// 1024-wide one takes seconds a step on lavapipe; gpu's TestReservedBoundLoop
// replays its allocation sizes) for 500 iterations of the documented
// tensor.Step loop, first with the heap to itself, where Reserved must stay
// within 2× the peak InUse plus one block, then with kept tensors holding
// all of the heap but two steps' worth, where no step may fail although the
// tensors freed during one batch do not fit. Then two held tensors of the
// largest size, released while work that reads them is pending, are
// allocated again at once.
func TestStepLoopMemoryVulkan(t *testing.T) {
	vk := openVulkan(t)
	dev := vk.Device()
	on := tensor.On(vk)
	rng := tensor.NewRNG(5)
	const batch, hidden = 16, 16
	model := NewSequential(Flatten{},
		NewLinear(on, rng, 784, hidden), ReLU{},
		NewLinear(on, rng, hidden, hidden), ReLU{},
		NewLinear(on, rng, hidden, 10))
	opt := NewSGD(model.Parameters(), 0.01)
	opt.Momentum = 0.9
	x := tensor.Keep(on.Uniform(rng, 0, 1, batch, 1, 28, 28))
	y := tensor.Keep(on.FromSlice([]float32{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}))

	block := int64(64 << 20)
	if dev.MemoryStats().HeapSize >= 8<<30 {
		block = 256 << 20
	}
	run := func(name string, bound bool) {
		t.Helper()
		var maxReserved int64
		for i := range 500 {
			on.Step(func(s *tensor.Scope) {
				loss := CrossEntropyLoss(model.Forward(s.Use(x)), s.Use(y))
				if err := loss.Backward(); err != nil {
					t.Fatalf("%s, step %d: %v", name, i, err)
				}
				if err := opt.Step(); err != nil {
					t.Fatalf("%s, step %d: %v", name, i, err)
				}
				opt.ZeroGrad()
				if i%100 == 99 {
					if _, err := loss.Item(); err != nil {
						t.Fatalf("%s, step %d: %v", name, i, err)
					}
				}
			})
			s := dev.MemoryStats()
			maxReserved = max(maxReserved, s.Reserved)
			if bound && s.Reserved > 2*s.PeakInUse+block {
				t.Fatalf("%s, step %d: Reserved %d MiB beyond 2×peak InUse %d MiB + one block: %+v",
					name, i, s.Reserved>>20, s.PeakInUse>>20, s)
			}
		}
		s := dev.MemoryStats()
		t.Logf("%s: 500 steps, max Reserved %.1f MiB, peak InUse %.1f MiB, %d reclaims; RSS %d MiB; %+v",
			name, float64(maxReserved)/(1<<20), float64(s.PeakInUse)/(1<<20), s.Reclaims, rssMiB(), s)
	}
	t.Logf("RSS before: %d MiB", rssMiB())
	run("heap free", true)
	if err := vk.Sync(); err != nil {
		t.Fatal(err)
	}
	s0 := dev.MemoryStats()
	step := s0.PeakInUse - s0.InUse // what one step allocates at most

	// Hold the heap: two kept tensors of the largest size a buffer may
	// have, gpu buffers of that size (their pages are never touched, unlike
	// a tensor's), then kept tensors of 256 and 16 KiB until two steps'
	// worth of memory is left.
	maxElems := int(dev.Info().MaxStorageBufferRange / 4)
	held := []*tensor.Tensor{tensor.Keep(on.Zeros(maxElems)), tensor.Keep(on.Zeros(maxElems))}
	for s := dev.MemoryStats(); s.InUse+int64(4*maxElems)+block <= s.HeapSize; s = dev.MemoryStats() {
		g, err := dev.Alloc(4 * maxElems)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Free()
	}
	for _, n := range []int{1 << 16, 1 << 12} {
		for s := dev.MemoryStats(); s.HeapSize-s.InUse >= 2*step+4*int64(n); s = dev.MemoryStats() {
			z := on.Zeros(n)
			if z.Err() != nil {
				t.Logf("holding the heap: %d floats refused with %+v: %v", n, s, z.Err())
				break // the allocator's blocks are full: the heap is held
			}
			held = append(held, tensor.Keep(z))
		}
	}
	if err := held[len(held)-1].Err(); err != nil {
		t.Fatalf("holding the heap: %v", err)
	}
	r0 := dev.MemoryStats().Reclaims
	run("heap held", false)
	if r := dev.MemoryStats().Reclaims; r == r0 {
		t.Errorf("the held loop never had to reclaim pending memory: it tests nothing; %+v", dev.MemoryStats())
	}

	// Release two held tensors after work that reads them, then allocate
	// two of the same size at once.
	sum := held[0].Narrow(0, 0, 1000).Add(held[1].Narrow(0, 0, 1000)).Sum()
	held[0].Release()
	held[1].Release()
	a, b := on.Ones(maxElems), on.Ones(maxElems)
	for _, r := range []*tensor.Tensor{sum, a, b} {
		if err := r.Err(); err != nil {
			t.Fatalf("after releasing two tensors of %d MiB: %v; %+v", maxElems>>18, err, dev.MemoryStats())
		}
	}
	if v, err := b.Narrow(0, maxElems-1000, 1000).Sum().Item(); err != nil || v != 1000 {
		t.Errorf("Sum of the last 1000 elements of the new tensor: %v, %v; want 1000", v, err)
	}
	if v, err := sum.Item(); err != nil || v != 0 {
		t.Errorf("Sum of the released tensors' first elements: %v, %v; want 0", v, err)
	}
	for _, h := range append(held[2:], a, b, sum, x, y) {
		h.Release()
	}
}

// rssMiB reads the resident set size of this process (0 when unknown).
func rssMiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb >> 10
		}
	}
	return 0
}
