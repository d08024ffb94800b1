package tensor_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
)

// work is one goroutine's job in TestConcurrentBackends: a chain of ops
// with a backward pass on tensors of its own, each step in a Step scope,
// read back at every step.
func work(d *tensor.Device, seed uint64, steps int) ([][]float32, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	var out [][]float32
	var err error
	for step := range steps {
		if step%4 == 3 {
			runtime.GC() // frees of dropped tensors run on cleanup goroutines meanwhile
		}
		// Each step in its own scope, as a training loop runs: the other
		// goroutines' scopes on the same device must not touch it.
		d.Step(func(sc *tensor.Scope) {
			a := sc.FromSlice(vals(5*7), 5, 7)
			w := d.FromSlice(vals(7*3), 7, 3).SetRequiresGrad(true)
			idx := make([]float32, 5*2)
			for i := range idx {
				idx[i] = float32(r.IntN(6) - 3) // negatives count from the end
			}
			m := a.MatMul(w)                          // [5 3]
			s := m.Add(m).Softmax(1)                  // [5 3]
			g := s.Gather(1, sc.FromSlice(idx, 5, 2)) // [5 2]
			var v, total, grad []float32
			if v, err = g.Add(s.Sum(1).Unsqueeze(1)).Data(); err != nil {
				return
			}
			loss := m.Sum()
			if total, err = loss.Data(); err != nil {
				return
			}
			if err = g.Sum().Backward(); err != nil {
				return
			}
			if grad, err = w.Grad().Data(); err != nil {
				return
			}
			out = append(out, v, total, grad)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TestConcurrentBackends runs 6 goroutines on one backend at once (the CPU
// and Vulkan on lavapipe with validation on), each recording plain ops and
// reading its results (while garbage-collector cleanups free the tensors
// they drop), and checks every result bit for bit against the same work
// run alone on one goroutine. Run it with -race: the backends
// promise safety for concurrent use (package backend).
func TestConcurrentBackends(t *testing.T) {
	const workers = 6
	steps := 12
	if testing.Short() {
		steps = 4
	}
	for _, dev := range []struct {
		name string
		d    func(*testing.T) *tensor.Device
	}{
		{"cpu", func(*testing.T) *tensor.Device { return tensor.CPU() }},
		{"vulkan", func(t *testing.T) *tensor.Device { return tensor.On(vktest.Shared(t)) }},
	} {
		t.Run(dev.name, func(t *testing.T) {
			d := dev.d(t)
			want := make([][][]float32, workers)
			for i := range want {
				var err error
				if want[i], err = work(d, uint64(i), steps); err != nil {
					t.Fatal(err)
				}
			}
			got := make([][][]float32, workers)
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = work(d, uint64(i), steps)
				}()
			}
			wg.Wait()
			for i := range workers {
				if errs[i] != nil {
					t.Fatalf("goroutine %d: %v", i, errs[i])
				}
				for s := range want[i] {
					for k := range want[i][s] {
						if math.Float32bits(got[i][s][k]) != math.Float32bits(want[i][s][k]) {
							t.Fatalf("goroutine %d, result %d, element %d: %v concurrently, %v alone",
								i, s, k, got[i][s][k], want[i][s][k])
						}
					}
				}
			}
		})
	}
}
