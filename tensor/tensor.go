package tensor

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// Tensor is an n-dimensional array of one element type (see DType): a
// shape and strides over a storage buffer owned by a backend. Views (Reshape, Transpose, Slice,
// BroadcastTo, ...) share their source's storage.
//
// A Tensor is immutable: ops return new tensors (Assign, which optimizers
// use to update parameters in place, and MoveTo are the exceptions). Ops
// record what autograd needs on their results (see Backward). A tensor may
// be read, and used as an operand, by several goroutines at once; the
// backends are safe for concurrent use.
type Tensor struct {
	shape   []int
	strides []int
	offset  int
	st      *storage
	sc      *Scope // the scope op results go to (see resultScope); nil for none
	err     error  // sticky: the first runtime failure that produced this tensor

	// Autograd (see autograd.go): leaf marks a leaf that accumulates
	// gradients into grad; node is the recorded op that computed t.
	leaf bool
	grad *Tensor
	node *node
}

// storage is a backend buffer shared by a tensor and its views.
type storage struct {
	dev  *Device
	dt   DType
	ref  *bufRef
	kept atomic.Bool // exempt from release by its scope (see Keep)
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
		liveBytes.Add(-int64(r.buf.Len() * r.buf.DType().Size()))
		r.b.Free(r.buf)
	}
}

func newStorage(d *Device, sc *Scope, dt DType, buf backend.Buffer) *storage {
	ref := &bufRef{b: d.b, buf: buf}
	st := &storage{dev: d, dt: dt, ref: ref}
	liveBuffers.Add(1)
	liveElements.Add(int64(buf.Len()))
	liveBytes.Add(int64(buf.Len() * dt.Size()))
	runtime.AddCleanup(st, (*bufRef).free, ref)
	if sc != nil {
		sc.add(st)
	}
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

// DType is the element type.
func (t *Tensor) DType() DType { return t.st.dt }

// Backend is the backend that holds the tensor's storage.
func (t *Tensor) Backend() backend.Backend { return t.st.dev.b }

// Device is the device that holds the tensor's storage.
func (t *Tensor) Device() *Device { return t.st.dev }

// Scope is the scope t belongs to (see Scope), or nil when it belongs to
// none or its scope has been released.
func (t *Tensor) Scope() *Scope { return t.sc.open() }

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

// Data returns a copy of the elements in row-major order, as float32 (an
// exact conversion from Float16 and BFloat16; an Int32 element of more
// than 2^24 in magnitude is rounded: read those with Int32s). It waits for
// the ops that compute t, and returns their runtime failure if any.
func (t *Tensor) Data() ([]float32, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.DType() == Float32 {
		out := make([]float32, t.Size())
		if err := t.read(raw.Bytes(out)); err != nil {
			return nil, err
		}
		return out, nil
	}
	return readAs[float32](t, Float32)
}

// Int32s returns a copy of the elements in row-major order as int32: exact
// for an Int32 tensor; float elements are converted toward zero,
// saturating, NaN giving 0, as AsType(Int32) does.
func (t *Tensor) Int32s() ([]int32, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.DType() == Int32 {
		out := make([]int32, t.Size())
		if err := t.read(raw.Bytes(out)); err != nil {
			return nil, err
		}
		return out, nil
	}
	return readAs[int32](t, Int32)
}

// Bytes returns a copy of the elements in row-major order, encoded in t's
// dtype in the host's byte order (little-endian on amd64 and arm64): the
// bits of Float16 and BFloat16 elements as they are stored.
func (t *Tensor) Bytes() ([]byte, error) {
	if t.err != nil {
		return nil, t.err
	}
	out := make([]byte, t.Size()*t.DType().Size())
	if err := t.read(out); err != nil {
		return nil, err
	}
	return out, nil
}

// readAs reads t converted to dt (by the backend, as AsType does).
func readAs[T raw.Elem](t *Tensor, dt DType) ([]T, error) {
	if t.err != nil {
		return nil, t.err
	}
	c := t.Detach().AsType(dt)
	out := make([]T, t.Size())
	err := c.read(raw.Bytes(out))
	c.Release()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// read copies t's elements into out (Size × dtype size bytes), returning
// the runtime failure of t, if any.
func (t *Tensor) read(out []byte) error {
	if t.err != nil {
		return t.err
	}
	if err := t.Backend().Read(out, t.strided("Data")); err != nil {
		return err
	}
	return t.Err()
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

// To returns t on device d: t itself when it is already there, otherwise
// a contiguous copy that belongs to t's scope. The copy does not record a
// gradient.
func (t *Tensor) To(d *Device) (*Tensor, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.st.dev == d {
		return t, nil
	}
	host, err := t.Bytes()
	if err != nil {
		return nil, err
	}
	out := d.fromBytes(t.sc.open(), "To", t.DType(), host, slices.Clone(t.shape))
	return out, out.err
}

// MoveTo moves t, a tensor not computed by a recorded op (such as a
// model parameter or an optimizer's state), to device d in place: t keeps
// its identity, shape, gradient mark and Keep mark, its elements are
// copied to d, and its gradient, if any, moves with it. Views of t taken
// before keep the old storage. MoveTo does nothing when t is on d already.
func (t *Tensor) MoveTo(d *Device) error {
	if t.node != nil {
		panic(&BackendError{Op: "MoveTo", Reason: "tensor was computed by a recorded " + t.node.op + "; call Detach first"})
	}
	if t.st.dev == d {
		return nil
	}
	moved, err := t.To(d)
	if err != nil {
		return err
	}
	if t.st.kept.Load() {
		Keep(moved)
	}
	if t.grad != nil {
		if err := t.grad.MoveTo(d); err != nil {
			return err
		}
	}
	t.st, t.strides, t.offset = moved.st, moved.strides, moved.offset
	return nil
}

// ConvertTo converts t, a tensor not computed by a recorded op (such as a
// model parameter or an optimizer's state), to dtype dt in place, as
// MoveTo moves one: t keeps its identity, shape, gradient mark and Keep
// mark, its elements are converted as AsType converts them, and its
// gradient, if any, is converted too. Views of t taken before keep the old
// storage. ConvertTo does nothing when t has dt already. It panics with a
// *BackendError when t was computed by a recorded op, and with a
// *DTypeError for a dt that is not a dtype or, when t requires a
// gradient, not a float.
func (t *Tensor) ConvertTo(dt DType) error {
	if t.node != nil {
		panic(&BackendError{Op: "ConvertTo", Reason: "tensor was computed by a recorded " + t.node.op + "; call Detach first"})
	}
	if !dt.Valid() || t.leaf && !dt.IsFloat() {
		panic(&DTypeError{Op: "ConvertTo", DType: dt, Reason: "not a dtype a tensor that requires a gradient can have"})
	}
	if t.DType() == dt {
		return nil
	}
	c := t.Detach().AsType(dt)
	if err := c.Err(); err != nil {
		return err
	}
	if t.st.kept.Load() {
		Keep(c)
	}
	if t.grad != nil {
		if err := t.grad.ConvertTo(dt); err != nil {
			return err
		}
	}
	t.st, t.strides, t.offset = c.st, c.strides, c.offset
	return nil
}

// Release frees t's storage now instead of when the garbage collector finds
// it unreachable. t and every view sharing its storage must not be used
// afterwards. Releasing is optional; it helps keep GPU memory flat.
func (t *Tensor) Release() { t.st.ref.free() }

// strided describes t for a backend op.
func (t *Tensor) strided(op string) backend.Strided {
	if t.st.ref.freed.Load() && t.err == nil {
		panic(releasedError(op))
	}
	return backend.Strided{Buf: t.st.ref.buf, Offset: t.offset, Shape: t.shape, Strides: t.strides}
}

// view returns a tensor sharing t's storage with a new layout.
func (t *Tensor) view(shape, strides []int, offset int) *Tensor {
	return &Tensor{shape: shape, strides: strides, offset: offset, st: t.st, sc: t.sc, err: t.err}
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

// The garbage-collecting retry of a failed allocation (see allocIn).
var (
	gcRetry     sync.Mutex
	lastGCRetry atomic.Int64 // unix nanoseconds of the last retry
)

const gcRetryGap = 100 * time.Millisecond

// alloc returns a new contiguous tensor of shape on b for the result of an
// op on inputs: it belongs to their innermost scope (see resultScope). Its
// contents are unspecified. When inputs carry an error, or allocation
// fails, the result carries the error and holds no storage worth using.
func alloc(b backend.Backend, dt DType, shape []int, inputs ...*Tensor) *Tensor {
	var d *Device
	if len(inputs) > 0 && inputs[0].st.dev.b == b {
		d = inputs[0].st.dev
	} else {
		d = On(b)
	}
	return allocIn(d, resultScope(inputs...), dt, shape, inputs...)
}

// allocIn is alloc on device d into scope sc (nil for none).
func allocIn(d *Device, sc *Scope, dt DType, shape []int, inputs ...*Tensor) *Tensor {
	shape = slices.Clone(shape)
	t := &Tensor{shape: shape, strides: contiguousStrides(shape), sc: sc}
	for _, in := range inputs {
		if in.err != nil {
			t.err = in.err
			break
		}
	}
	if t.err == nil {
		buf, err := d.b.Alloc(dt, max(prod(shape), 1))
		// Tensors outside any scope are freed by the garbage collector,
		// which does not see device memory: collect, give the cleanups a
		// moment to run, and try again before giving up. At most one such
		// retry runs at a time and none within gcRetryGap of the last, so
		// a heap that is truly full costs no more than that.
		if err != nil && liveBuffers.Load() > 0 && gcRetry.TryLock() {
			if last := lastGCRetry.Load(); time.Since(time.Unix(0, last)) > gcRetryGap {
				for _, wait := range []time.Duration{time.Millisecond, 8 * time.Millisecond} {
					runtime.GC()
					time.Sleep(wait)
					if buf, err = d.b.Alloc(dt, max(prod(shape), 1)); err == nil {
						break
					}
				}
				lastGCRetry.Store(time.Now().UnixNano())
			}
			gcRetry.Unlock()
		}
		if err == nil {
			t.st = newStorage(d, sc, dt, buf)
			return t
		}
		t.err = err
	}
	// No storage: ops see the error and never touch the buffer.
	t.st = &storage{dev: d, dt: dt, ref: &bufRef{b: d.b}}
	t.st.ref.freed.Store(true)
	return t
}

// ok reports whether an op should run: no input carried an error.
func (t *Tensor) ok() bool { return t.err == nil }

// sameBackend returns the backend of ts, panicking with a *BackendError
// when they are on different devices.
func sameBackend(op string, ts ...*Tensor) backend.Backend {
	d := ts[0].st.dev
	for _, u := range ts[1:] {
		if u.st.dev != d {
			panic(&BackendError{Op: op, Reason: fmt.Sprintf("operands on different devices (%s and %s); move one with To", d.b.Name(), u.st.dev.b.Name())})
		}
	}
	return d.b
}
