package tensor

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Memory
//
// Every tensor op allocates its result, and a training step makes hundreds
// of intermediate tensors. The garbage collector frees their storage in the
// end (a cleanup runs when a storage becomes unreachable), but it does not
// know how much GPU memory they pin, so it can run too late. Step makes the
// release deterministic: it frees, when it returns, every storage allocated
// inside it that was not marked with Keep.

// Live storage counters, for MemStats.
var liveBuffers, liveElements atomic.Int64

// MemStats describes the backend storage held by tensors: every buffer the
// tensor package allocated and that Release, Step or the garbage collector
// has not freed yet, on all backends together.
type MemStats struct {
	LiveBuffers  int64 // number of live buffers
	LiveElements int64 // float32 elements in them (×4 for bytes)
}

// ReadMemStats returns the current counts. Buffers of unreachable tensors
// stay live until the garbage collector runs their cleanup.
func ReadMemStats() MemStats {
	return MemStats{LiveBuffers: liveBuffers.Load(), LiveElements: liveElements.Load()}
}

// Step runs f and then releases the storage of every tensor allocated
// while f ran, except the tensors marked with Keep, leaves that require a
// gradient (SetRequiresGrad) and gradients stored by Backward. Tensors
// released this way, and their views, must not be used afterwards (ops on
// them panic with a *BackendError). Wrapping each training iteration in a
// Step keeps memory flat without calling Release:
//
//	for i := range steps {
//		tensor.Step(func() {
//			loss := lossFn(model.Forward(x), y)
//			loss.Backward()
//			opt.Step() // updates parameters in place; its state is kept
//			opt.ZeroGrad()
//		})
//	}
//
// The forward pass and its Backward must run in the same Step: the recorded
// graph refers to the intermediate tensors. Read values needed later (such
// as loss.Item) inside f, or Keep them. Step releases its tensors even when
// f panics.
//
// Tracking is process-wide, which keeps it to one atomic load per
// allocation: a tensor allocated by any goroutine while a Step runs belongs
// to the innermost Step open at that moment. Run steps from one goroutine
// (as GPU backends require anyway), and have goroutines that allocate
// tensors meanwhile, such as a data loader, Keep them. Steps nest.
func Step(f func()) {
	sc := &scope{}
	stepMu.Lock()
	steps = append(steps, sc)
	stepsOpen.Add(1)
	stepMu.Unlock()
	defer func() {
		stepMu.Lock()
		if i := slices.Index(steps, sc); i >= 0 {
			steps = slices.Delete(steps, i, i+1)
		}
		stepsOpen.Add(-1)
		allocs := sc.allocs
		sc.allocs = nil
		stepMu.Unlock()
		for _, st := range allocs {
			if !st.kept.Load() {
				st.ref.free()
			}
		}
	}()
	f()
}

// Keep marks the storage of ts (and so of every view sharing it) to be
// kept by every enclosing Step: model parameters, optimizer state and
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

// scope lists the storages allocated inside one Step.
type scope struct{ allocs []*storage }

// Open Steps, innermost last.
var (
	stepMu    sync.Mutex
	steps     []*scope
	stepsOpen atomic.Int64 // len(steps), read without the lock
)

// trackAlloc adds a new storage to the innermost open Step.
func trackAlloc(st *storage) {
	if stepsOpen.Load() == 0 {
		return
	}
	stepMu.Lock()
	if n := len(steps); n > 0 {
		steps[n-1].allocs = append(steps[n-1].allocs, st)
	}
	stepMu.Unlock()
}

// Per-goroutine NoGrad state. Go has no goroutine-local storage, so the
// state is looked up by goroutine id, which costs microseconds; it is done
// only while some goroutine is inside NoGrad (gActive > 0), and only for
// ops whose inputs require gradients. Otherwise an op pays one atomic load.
type gState struct {
	noGrad int // open NoGrad calls
}

var (
	gMu     sync.Mutex
	gStates = map[uint64]*gState{}
	gActive atomic.Int64 // len(gStates)
)

// enterState returns the calling goroutine's state, creating it.
func enterState() *gState {
	id := goid()
	gMu.Lock()
	defer gMu.Unlock()
	s := gStates[id]
	if s == nil {
		s = &gState{}
		gStates[id] = s
		gActive.Add(1)
	}
	return s
}

// leaveState drops the calling goroutine's state once nothing is open.
func leaveState(s *gState) {
	if s.noGrad > 0 {
		return
	}
	id := goid()
	gMu.Lock()
	defer gMu.Unlock()
	if gStates[id] == s {
		delete(gStates, id)
		gActive.Add(-1)
	}
}

// lookupState returns the calling goroutine's state, or nil.
func lookupState() *gState {
	id := goid()
	gMu.Lock()
	defer gMu.Unlock()
	return gStates[id]
}

// goid returns the id of the calling goroutine, parsed from the first line
// of its stack trace ("goroutine 123 [running]:"), the only portable way to
// get it.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
