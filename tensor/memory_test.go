package tensor

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// CountingBackend wraps a backend and counts its live buffers and its reads
// to the host, independently of the tensor package's own MemStats. It is
// exported for the external tests (package tensor_test) too.
type CountingBackend struct {
	backend.Backend
	live, reads atomic.Int64
}

func (c *CountingBackend) Alloc(n int) (backend.Buffer, error) {
	b, err := c.Backend.Alloc(n)
	if err == nil {
		c.live.Add(1)
	}
	return b, err
}

func (c *CountingBackend) Free(b backend.Buffer) {
	c.live.Add(-1)
	c.Backend.Free(b)
}

func (c *CountingBackend) Read(dst []float32, src backend.Strided) error {
	c.reads.Add(1)
	return c.Backend.Read(dst, src)
}

// Live is the number of buffers allocated and not yet freed.
func (c *CountingBackend) Live() int64 { return c.live.Load() }

// Reads is the number of reads to the host.
func (c *CountingBackend) Reads() int64 { return c.reads.Load() }

// TestStepKeepsMemoryFlat trains a linear model for many steps, each in a
// Step, and checks that the live buffers after the last step are exactly
// those after the third: parameters, their gradients and the data.
func TestStepKeepsMemoryFlat(t *testing.T) {
	be := &CountingBackend{Backend: cpu.New()}
	d := On(be)
	r := NewRNG(1)
	var x, y *Tensor
	Step(func() { // the set-up's temporaries go too
		x = Keep(d.Normal(r, 0, 1, 32, 3))
		y = Keep(x.MatMul(d.FromSlice([]float32{1, -2, 0.5}, 3, 1)).AddScalar(0.25))
	})
	w := d.Zeros(3, 1).SetRequiresGrad(true)
	b := d.Zeros(1).SetRequiresGrad(true)
	const lr = 0.1
	var first, last float32
	var liveAt3 int64
	var statsAt3 MemStats
	for i := range 300 {
		Step(func() {
			loss := x.MatMul(w).Add(b).Sub(y).Square().Mean()
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			NoGrad(func() {
				for _, p := range []*Tensor{w, b} {
					if err := p.Assign(p.Sub(p.Grad().MulScalar(lr))); err != nil {
						t.Fatal(err)
					}
					p.ZeroGrad()
				}
			})
			v, err := loss.Item()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = v
			}
			last = v
		})
		if i == 2 {
			liveAt3, statsAt3 = be.Live(), ReadMemStats()
		}
	}
	if got := be.Live(); got != liveAt3 {
		t.Errorf("live buffers after 300 steps: %d, after 3: %d", got, liveAt3)
	}
	if s := ReadMemStats(); s.LiveBuffers > statsAt3.LiveBuffers {
		t.Errorf("MemStats after 300 steps %+v, after 3 %+v", s, statsAt3)
	}
	// x, y, w, b, and the two gradients.
	if liveAt3 != 6 {
		t.Errorf("%d live buffers between steps, want 6", liveAt3)
	}
	if !(last < 1e-6*first) {
		t.Errorf("loss went from %g to %g", first, last)
	}
}

func TestStepRelease(t *testing.T) {
	var kept, dropped, other *Tensor
	before := ReadMemStats().LiveBuffers
	Step(func() {
		kept = Keep(Ones(2).AddScalar(1))
		dropped = Ones(2)
		var wg sync.WaitGroup
		// Tracking is process-wide: another goroutine keeps what it
		// allocates meanwhile with Keep.
		wg.Go(func() { other = Keep(Ones(3)) })
		wg.Wait()
		Step(func() { _ = Keep(Zeros(1)) }) // nested
	})
	// kept, other, and the nested kept Zeros(1) are still live.
	if got := ReadMemStats().LiveBuffers - before; got > 3 {
		t.Errorf("%d more live buffers after the steps, want at most 3", got)
	}
	if v, err := kept.Data(); err != nil || v[0] != 2 {
		t.Errorf("kept tensor: %v %v", v, err)
	}
	if _, err := other.Data(); err != nil {
		t.Error(err)
	}
	v := agCatch(func() { dropped.Exp() })
	var be *BackendError
	if err, ok := v.(error); !ok || !errors.As(err, &be) {
		t.Errorf("use of a released tensor: panic %v, want *BackendError", v)
	}
	// Released even when f panics.
	var lost *Tensor
	agCatch(func() {
		Step(func() {
			lost = Ones(4)
			panic("boom")
		})
	})
	if !lost.st.ref.freed.Load() {
		t.Error("Step did not release after a panic")
	}
	if gActive.Load() != 0 || stepsOpen.Load() != 0 {
		t.Errorf("%d goroutine states and %d steps left open", gActive.Load(), stepsOpen.Load())
	}
}
