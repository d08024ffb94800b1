package tensor

import (
	"sync"
	"sync/atomic"
)

// Memory and scopes
//
// Every tensor op allocates its result, and a training step makes hundreds
// of intermediate tensors. The garbage collector frees their storage in the
// end (a cleanup runs when a storage becomes unreachable), but it does not
// know how much GPU memory they pin, so it can run too late. A Scope makes
// the release deterministic: when it is released it frees the storage of
// every tensor that belongs to it and was not marked with Keep.
//
// Which tensors belong to a scope is decided by lineage, never by which
// goroutine runs an op:
//
//   - a tensor created through a scope (s.FromSlice, s.Zeros, ...) or
//     brought into it with s.Use belongs to s;
//   - an op's result belongs to the innermost open scope among its
//     operands' scopes (a scope opened inside another, with s.Step or
//     s.NoGrad, is inner to it);
//   - a tensor created through a Device, and a result of ops on such
//     tensors only (model parameters, a dataset held across steps),
//     belongs to no scope: the garbage collector frees it.
//
// Gradient recording is a property of the scope too: an op whose result
// belongs to a NoGrad scope records nothing.
//
// So two goroutines may use one device at the same time, each with its own
// scopes, and neither's scope frees the other's tensors; a data-loader
// goroutine that creates tensors through the Device is never touched by
// anyone's scope. A Scope itself may be used by several goroutines, but it
// must not be released while another goroutine still uses its tensors.

// Live storage counters, for MemStats.
var liveBuffers, liveElements, liveBytes atomic.Int64

// MemStats describes the backend storage held by tensors: every buffer the
// tensor package allocated and that Release, a Scope or the garbage
// collector has not freed yet, on all backends together.
type MemStats struct {
	LiveBuffers  int64 // number of live buffers
	LiveElements int64 // elements in them, of any dtype
	LiveBytes    int64 // bytes of those elements
}

// ReadMemStats returns the current counts. Buffers of unreachable tensors
// stay live until the garbage collector runs their cleanup.
func ReadMemStats() MemStats {
	return MemStats{LiveBuffers: liveBuffers.Load(), LiveElements: liveElements.Load(), LiveBytes: liveBytes.Load()}
}

// Scope owns the tensors created through it and the results computed from
// them (see "Memory and scopes" above), frees them when it is released,
// and says whether ops on them record gradients. Get one from Device.Step,
// Device.NoGrad or Device.NewScope, or nest one in another with s.Step and
// s.NoGrad. A Scope creates tensors on its device with the same methods as
// Device (FromSlice, Zeros, Normal, ...).
type Scope struct {
	dev    *Device
	parent *Scope
	depth  int  // 1 for a scope of a Device, parent.depth+1 inside another
	noGrad bool // ops whose result belongs here record no gradient

	mu     sync.Mutex
	allocs []*storage
	closed atomic.Bool
}

// NewScope returns an open scope on d that records gradients. Release it
// when done (defer s.Release()); Step and NoGrad do both in one call.
func (d *Device) NewScope() *Scope { return newScope(d, nil, false) }

// Step runs f with a new scope on d that records gradients, then releases
// the scope: every tensor created through it or computed from those is
// freed, except the tensors marked with Keep, leaves that require a
// gradient (SetRequiresGrad) and gradients stored by Backward. Wrapping each
// training iteration in a Step keeps memory flat without calling Release:
//
//	for _, batch := range batches {
//		dev.Step(func(s *tensor.Scope) {
//			x, y := s.FromSlice(batch.X, 256, 784), s.FromSlice(batch.Y, 256)
//			loss := nn.CrossEntropyLoss(model.Forward(x), y)
//			loss.Backward()
//			opt.Step() // updates parameters in place; its state is kept
//			opt.ZeroGrad()
//		})
//	}
//
// The forward pass and its Backward must run in the same Step: the recorded
// graph refers to the intermediate tensors. Read values needed later (such
// as loss.Item) inside f, or Keep them. The scope is released even when f
// panics.
func (d *Device) Step(f func(s *Scope)) { runScope(newScope(d, nil, false), f) }

// NoGrad runs f with a new scope on d in which ops record no gradients
// (evaluation), then releases it as Step does:
//
//	dev.NoGrad(func(s *tensor.Scope) {
//		logits := model.Forward(s.FromSlice(images, n, 784))
//		...
//	})
func (d *Device) NoGrad(f func(s *Scope)) { runScope(newScope(d, nil, true), f) }

// Step runs f with a scope nested in s that records gradients, and
// releases it when f returns. Results of ops on its tensors and on s's
// belong to the nested scope.
func (s *Scope) Step(f func(s *Scope)) { runScope(newScope(s.dev, s, false), f) }

// NoGrad runs f with a scope nested in s in which ops record no gradients,
// and releases it when f returns.
func (s *Scope) NoGrad(f func(s *Scope)) { runScope(newScope(s.dev, s, true), f) }

// Device is the device s creates tensors on.
func (s *Scope) Device() *Device { return s.dev }

// GradEnabled reports whether ops whose results belong to s record
// gradients: false inside a NoGrad scope and in every scope nested in one.
func (s *Scope) GradEnabled() bool { return !s.noGrad }

// Use returns a view of t that belongs to s: ops on it put their results
// in s (and record gradients only if s does). t's own storage is not
// released with s. Use brings tensors from outside any scope, such as a
// dataset kept across steps, into a step.
func (s *Scope) Use(t *Tensor) *Tensor {
	v := t.view(t.shape, t.strides, t.offset)
	v.sc = s
	if t.RequiresGrad() && !s.noGrad {
		v.node = &node{op: "Use", inputs: []*Tensor{t}, backward: one}
	}
	return v
}

// Release frees the storage of every tensor that belongs to s and is not
// kept. Tensors released this way, and their views, must not be used
// afterwards (ops on them panic with a *BackendError). Releasing twice does
// nothing.
func (s *Scope) Release() {
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	s.mu.Lock()
	allocs := s.allocs
	s.allocs = nil
	s.mu.Unlock()
	for _, st := range allocs {
		if !st.kept.Load() {
			st.ref.free()
		}
	}
}

func newScope(d *Device, parent *Scope, noGrad bool) *Scope {
	s := &Scope{dev: d, parent: parent, depth: 1, noGrad: noGrad}
	if parent != nil {
		s.depth = parent.depth + 1
		s.noGrad = noGrad || parent.noGrad
	}
	return s
}

func runScope(s *Scope, f func(s *Scope)) {
	defer s.Release()
	f(s)
}

// open returns s, or its innermost ancestor that is still open, or nil.
func (s *Scope) open() *Scope {
	for s != nil && s.closed.Load() {
		s = s.parent
	}
	return s
}

// add makes st belong to s: Release frees it.
func (s *Scope) add(st *storage) {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		panic(&BackendError{Op: "Scope", Reason: "tensor created in a scope that was already released"})
	}
	s.allocs = append(s.allocs, st)
	s.mu.Unlock()
}

// resultScope is the scope an op's result belongs to: the innermost open
// scope among the inputs' scopes (the first one at equal depth), or nil.
func resultScope(inputs ...*Tensor) *Scope {
	var best *Scope
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if s := in.sc.open(); s != nil && (best == nil || s.depth > best.depth) {
			best = s
		}
	}
	return best
}

// Keep marks the storage of ts (and so of every view sharing it) to be
// kept when their scope is released: model parameters, optimizer state and
// results that outlive the step. Kept tensors are freed as usual, by
// Release or by the garbage collector once unreachable. Keep returns its
// first argument, or nil when given none.
func Keep(ts ...*Tensor) *Tensor {
	for _, t := range ts {
		t.st.kept.Store(true)
	}
	if len(ts) == 0 {
		return nil
	}
	return ts[0]
}

// releasedError is the panic of an op on a tensor whose storage is gone.
func releasedError(op string) error {
	return &BackendError{Op: op, Reason: "tensor used after Release (its scope was released, or Release was called; Keep tensors that outlive their step)"}
}
