package tensor

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/vktensor/vktensor/tensor/backend"
)

// DType is the element type of a tensor. Float32 is the only one today; the
// type exists so that float16, bfloat16 and int32 tensors can be added
// without changing the API.
type DType uint8

// Float32 is IEEE 754 single precision, the element type of every tensor.
const Float32 DType = 0

// String names the type, e.g. "float32".
func (d DType) String() string {
	if d == Float32 {
		return "float32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Tensor is an n-dimensional array of float32: a shape and strides over a
// storage buffer owned by a backend. Views (Reshape, Transpose, Slice,
// BroadcastTo, ...) share their source's storage.
//
// A Tensor is immutable: ops return new tensors (Assign, which optimizers
// use to update parameters in place, is the one exception). Ops record
// what autograd needs on their results (see Backward). It is safe to read from
// several goroutines; ops on one backend are serialized by that backend.
type Tensor struct {
	shape   []int
	strides []int
	offset  int
	st      *storage
	err     error // sticky: the first runtime failure that produced this tensor

	// Autograd (see autograd.go): leaf marks a leaf that accumulates
	// gradients into grad; node is the recorded op that computed t.
	leaf bool
	grad *Tensor
	node *node
}

// storage is a backend buffer shared by a tensor and its views.
type storage struct {
	ref  *bufRef
	kept atomic.Bool // exempt from release by Step (see Keep)
}

// bufRef is what the garbage-collector cleanup of a storage frees; it is
// kept apart from storage so the cleanup does not keep storage alive.
type bufRef struct {
	b     backend.Backend
	buf   backend.Buffer
	freed atomic.Bool // set once by whichever of Release, Step or the GC frees it
}

// free releases the buffer once, whoever asks first.
func (r *bufRef) free() {
	if r.freed.CompareAndSwap(false, true) {
		liveBuffers.Add(-1)
		liveElements.Add(-int64(r.buf.Len()))
		r.b.Free(r.buf)
	}
}

func newStorage(b backend.Backend, buf backend.Buffer) *storage {
	ref := &bufRef{b: b, buf: buf}
	st := &storage{ref: ref}
	liveBuffers.Add(1)
	liveElements.Add(int64(buf.Len()))
	runtime.AddCleanup(st, (*bufRef).free, ref)
	trackAlloc(st)
	return st
}

// Shape returns the size of each axis. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Strides returns the distance in elements between neighbours along each
// axis (0 on broadcast axes). The caller must not modify it.
func (t *Tensor) Strides() []int { return t.strides }

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.shape) }

// Dim returns the size of axis (negative counts from the end).
func (t *Tensor) Dim(axis int) int { return t.shape[t.axis("Dim", axis)] }

// Size is the number of elements: the product of the shape (1 for a scalar).
func (t *Tensor) Size() int { return prod(t.shape) }

// DType is the element type, Float32.
func (t *Tensor) DType() DType { return Float32 }

// Backend is the backend that holds the tensor's storage.
func (t *Tensor) Backend() backend.Backend { return t.st.ref.b }

// Err is the first runtime failure (such as device memory running out) met
// while computing t or any tensor it was computed from, or nil.
func (t *Tensor) Err() error {
	if t.err != nil {
		return t.err
	}
	if buf := t.st.ref.buf; buf != nil {
		return buf.Err()
	}
	return nil
}

// IsContiguous reports whether t's elements lie in row-major order without
// gaps, so that its storage can be used as a flat array.
func (t *Tensor) IsContiguous() bool { return t.strided("IsContiguous").Contiguous() }

// Data returns a copy of the elements in row-major order. It waits for the
// ops that compute t, and returns their runtime failure if any.
func (t *Tensor) Data() ([]float32, error) {
	if t.err != nil {
		return nil, t.err
	}
	out := make([]float32, t.Size())
	if err := t.Backend().Read(out, t.strided("Data")); err != nil {
		return nil, err
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Item returns the single element of a tensor of size 1.
func (t *Tensor) Item() (float32, error) {
	if t.Size() != 1 {
		shapePanic("Item", fmt.Sprintf("has %d elements, not 1", t.Size()), t.shape)
	}
	d, err := t.Data()
	if err != nil {
		return 0, err
	}
	return d[0], nil
}

// To returns t on backend b: t itself when it is already there, otherwise a
// contiguous copy.
func (t *Tensor) To(b backend.Backend) (*Tensor, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.Backend() == b {
		return t, nil
	}
	host, err := t.Data()
	if err != nil {
		return nil, err
	}
	out := On(b).FromSlice(host, t.shape...)
	return out, out.err
}

// Release frees t's storage now instead of when the garbage collector finds
// it unreachable. t and every view sharing its storage must not be used
// afterwards. Releasing is optional; it helps keep GPU memory flat.
func (t *Tensor) Release() { t.st.ref.free() }

// strided describes t for a backend op.
func (t *Tensor) strided(op string) backend.Strided {
	if t.st.ref.freed.Load() && t.err == nil {
		panic(&BackendError{Op: op, Reason: "tensor used after Release"})
	}
	return backend.Strided{Buf: t.st.ref.buf, Offset: t.offset, Shape: t.shape, Strides: t.strides}
}

// view returns a tensor sharing t's storage with a new layout.
func (t *Tensor) view(shape, strides []int, offset int) *Tensor {
	return &Tensor{shape: shape, strides: strides, offset: offset, st: t.st, err: t.err}
}

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// alloc returns a new contiguous tensor of shape on b. Its contents are
// unspecified. When inputs carry an error, or allocation fails, the result
// carries the error and holds no storage worth using.
func alloc(b backend.Backend, shape []int, inputs ...*Tensor) *Tensor {
	shape = slices.Clone(shape)
	t := &Tensor{shape: shape, strides: contiguousStrides(shape)}
	for _, in := range inputs {
		if in.err != nil {
			t.err = in.err
			break
		}
	}
	if t.err == nil {
		buf, err := b.Alloc(max(prod(shape), 1))
		if err == nil {
			t.st = newStorage(b, buf)
			return t
		}
		t.err = err
	}
	// No storage: ops see the error and never touch the buffer.
	t.st = &storage{ref: &bufRef{b: b}}
	t.st.ref.freed.Store(true)
	return t
}

// ok reports whether an op should run: no input carried an error.
func (t *Tensor) ok() bool { return t.err == nil }

// sameBackend returns the backend of ts, panicking with a *BackendError
// when they differ.
func sameBackend(op string, ts ...*Tensor) backend.Backend {
	b := ts[0].Backend()
	for _, u := range ts[1:] {
		if u.Backend() != b {
			panic(&BackendError{Op: op, Reason: fmt.Sprintf("operands on different backends (%s and %s); move one with To", b.Name(), u.Backend().Name())})
		}
	}
	return b
}
