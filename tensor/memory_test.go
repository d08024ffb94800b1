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

func (c *CountingBackend) Alloc(dt backend.DType, n int) (backend.Buffer, error) {
	b, err := c.Backend.Alloc(dt, n)
	if err == nil {
		c.live.Add(1)
	}
	return b, err
}

func (c *CountingBackend) Free(b backend.Buffer) {
	c.live.Add(-1)
	c.Backend.Free(b)
}

func (c *CountingBackend) Read(dst []byte, src backend.Strided) error {
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
	d.Step(func(s *Scope) { // the set-up's temporaries go too
		x = Keep(s.Normal(r, 0, 1, 32, 3))
		y = Keep(x.MatMul(s.FromSlice([]float32{1, -2, 0.5}, 3, 1)).AddScalar(0.25))
	})
	w := d.Zeros(3, 1).SetRequiresGrad(true)
	b := d.Zeros(1).SetRequiresGrad(true)
	const lr = 0.1
	var first, last float32
	var liveAt3 int64
	var statsAt3 MemStats
	for i := range 300 {
		d.Step(func(s *Scope) {
			loss := s.Use(x).MatMul(w).Add(b).Sub(y).Square().Mean()
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			s.NoGrad(func(s *Scope) {
				for _, p := range []*Tensor{w, b} {
					if err := p.Assign(s.Use(p).Sub(s.Use(p.Grad()).MulScalar(lr))); err != nil {
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
	be := &CountingBackend{Backend: cpu.New()}
	d := On(be)
	var kept, dropped, other, outside, inner *Tensor
	d.Step(func(s *Scope) {
		kept = Keep(s.Ones(2).AddScalar(1))
		dropped = s.Ones(2)
		outside = d.Ones(2).Exp() // no scope: the garbage collector's
		var wg sync.WaitGroup
		// Another goroutine's tensors made through the device belong to
		// no scope, whatever scopes are open meanwhile.
		wg.Go(func() { other = d.Ones(3).AddScalar(1) })
		wg.Wait()
		s.Step(func(n *Scope) {
			inner = n.Zeros(1)
			if sum := dropped.Add(inner); sum.Scope() != n {
				t.Error("result of an outer and an inner tensor does not belong to the inner scope")
			}
			if sum := dropped.Add(outside); sum.Scope() != s {
				t.Error("result of a scoped and an unscoped tensor does not belong to the scope")
			}
		})
		if !inner.st.ref.freed.Load() {
			t.Error("nested scope did not release its tensor")
		}
		if kept.Scope() != s || outside.Scope() != nil || dropped.Exp().Scope() != s {
			t.Error("scopes by lineage are wrong")
		}
	})
	if kept.Scope() != nil {
		t.Error("a released scope is still reported")
	}
	for _, u := range []*Tensor{kept, other, outside} {
		if _, err := u.Data(); err != nil {
			t.Error(err)
		}
	}
	// kept, other and outside, and until the garbage collector runs the
	// two Ones they came from.
	if got := be.Live(); got > 5 {
		t.Errorf("%d live buffers after the step, want at most 5", got)
	}
	v := agCatch(func() { dropped.Exp() })
	var bErr *BackendError
	if err, ok := v.(error); !ok || !errors.As(err, &bErr) {
		t.Errorf("use of a released tensor: panic %v, want *BackendError", v)
	}
	// Released even when f panics.
	var lost *Tensor
	agCatch(func() {
		d.Step(func(s *Scope) {
			lost = s.Ones(4)
			panic("boom")
		})
	})
	if !lost.st.ref.freed.Load() {
		t.Error("Step did not release after a panic")
	}
	// A manual scope, released twice.
	s := d.NewScope()
	m := s.Ones(1)
	s.Release()
	s.Release()
	if !m.st.ref.freed.Load() {
		t.Error("Release did not free the scope's tensor")
	}
	if v := agCatch(func() { s.Ones(1) }); v == nil {
		t.Error("creating through a released scope: no panic")
	}
}

// TestScopesOfTwoGoroutines runs two training-like loops on one device at
// once, each in its own Steps, with a third goroutine creating tensors
// through the device meanwhile: no scope may free another's tensors (with
// process-wide steps, 225 of 300 uses from a second goroutine panicked).
func TestScopesOfTwoGoroutines(t *testing.T) {
	d := CPU()
	var wg sync.WaitGroup
	var bad atomic.Int64
	loop := func(seed uint64) {
		r := NewRNG(seed)
		w := d.Normal(r, 0, 1, 8, 1).SetRequiresGrad(true)
		for range 300 {
			d.Step(func(s *Scope) {
				x := s.Normal(r, 0, 1, 16, 8)
				loss := x.MatMul(w).Square().Mean()
				if err := loss.Backward(); err != nil {
					bad.Add(1)
				}
				if _, err := loss.Item(); err != nil {
					bad.Add(1)
				}
				w.ZeroGrad()
			})
		}
	}
	wg.Go(func() { loop(1) })
	wg.Go(func() { loop(2) })
	wg.Go(func() {
		for i := range 300 {
			u := d.Full(float32(i), 4).AddScalar(1)
			if v, err := u.Data(); err != nil || v[3] != float32(i+1) {
				bad.Add(1)
			}
		}
	})
	wg.Wait()
	if n := bad.Load(); n != 0 {
		t.Errorf("%d failures", n)
	}
}

// TestMoveTo moves a parameter with its gradient between two devices and
// keeps using it.
func TestMoveTo(t *testing.T) {
	a, b := CPU(), On(&CountingBackend{Backend: cpu.New()})
	p := a.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	if err := p.Mul(p).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if err := p.MoveTo(b); err != nil {
		t.Fatal(err)
	}
	if p.Device() != b || p.Grad().Device() != b || !p.RequiresGrad() {
		t.Fatalf("after MoveTo: device %v, grad on %v", p.Device(), p.Grad().Device())
	}
	agWant(t, "moved", p, 1, 2, 3)
	agWant(t, "moved grad", p.Grad(), 2, 4, 6)
	if err := p.Mul(p).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "grad after moving", p.Grad(), 4, 8, 12)
	if v := agCatch(func() { p.Add(a.Ones(3)) }); v == nil {
		t.Error("op on two devices: no panic")
	}
	if On(b.Backend()) != b || On(CPU().Backend()) != CPU() {
		t.Error("On does not return one Device per backend")
	}
}
