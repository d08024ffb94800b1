package tensor

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// Device is one backend as the tensor package sees it: it creates tensors
// there, opens the scopes that free them (Step, NoGrad, NewScope) and holds
// the settings of that backend's ops. There is one Device per backend: On(b)
// returns the same *Device every time for the same b, and tensors know
// theirs (Tensor.Device). The package-level creation functions (Zeros,
// FromSlice, ...) use the default Device, the CPU unless SetDefault chose
// another. A Device is safe for concurrent use.
type Device struct {
	b         backend.Backend
	precision atomic.Uint32 // a Precision: see SetMatMulPrecision
}

var (
	devicesMu sync.Mutex
	devices   = map[backend.Backend]*Device{}

	cpuDevice = On(cpu.New())

	defaultDev atomic.Pointer[Device]
)

func init() { defaultDev.Store(cpuDevice) }

// On returns the Device of backend b.
func On(b backend.Backend) *Device {
	devicesMu.Lock()
	defer devicesMu.Unlock()
	d := devices[b]
	if d == nil {
		d = &Device{b: b}
		devices[b] = d
	}
	return d
}

// CPU returns the Device of the pure-Go backend (always the same one).
func CPU() *Device { return cpuDevice }

// Default returns the Device the package-level creation functions use.
func Default() *Device { return defaultDev.Load() }

// SetDefault makes d the device of the package-level creation functions.
// Programs that build everything on an explicit Device need not call it.
func SetDefault(d *Device) { defaultDev.Store(d) }

// Backend is the backend d creates tensors on.
func (d *Device) Backend() backend.Backend { return d.b }

// String names the backend, e.g. "cpu".
func (d *Device) String() string { return d.b.Name() }

// maxSize is the most elements a tensor may have: enough that its size in
// bytes (4 per float32 element) is still an int, so that no count or offset
// computed from a shape overflows.
const maxSize = math.MaxInt / 4

// checkShape panics with a *ShapeError unless every dimension is
// non-negative and the shape holds at most maxSize elements.
func checkShape(op string, shape []int) {
	for i, d := range shape {
		if d < 0 {
			shapePanic(op, fmt.Sprintf("has negative dimension %d at axis %d", d, i), shape)
		}
	}
	if axis := overflowAxis(shape); axis >= 0 {
		shapePanic(op, fmt.Sprintf("has more than %d elements (from axis %d on)", maxSize, axis), shape)
	}
}

// overflowAxis returns the axis at which the product of the non-negative
// dims exceeds maxSize, or -1 when it fits. Axes of size 0 do not excuse
// the others: strides are computed from their product.
func overflowAxis(dims []int) int {
	n := 1
	for i, d := range dims {
		if d == 0 {
			continue
		}
		if n > maxSize/d {
			return i
		}
		n *= d
	}
	return -1
}

// FromSlice returns a tensor holding a copy of data with the given shape
// (a 1-D tensor of len(data) elements when shape is empty). It panics with
// a *ShapeError when the shape does not hold len(data) elements.
func (d *Device) FromSlice(data []float32, shape ...int) *Tensor {
	return d.fromSlice(nil, data, sliceShape(data, shape))
}

// sliceShape is FromSlice's shape: [len(data)] when none is given.
func sliceShape(data []float32, shape []int) []int {
	if len(shape) == 0 {
		return []int{len(data)}
	}
	return shape
}

// fromSlice is FromSlice into scope sc with an explicit shape ([] for a
// scalar).
func (d *Device) fromSlice(sc *Scope, data []float32, shape []int) *Tensor {
	checkShape("FromSlice", shape)
	if prod(shape) != len(data) {
		shapePanic("FromSlice", fmt.Sprintf("holds %d elements, not the %d given", prod(shape), len(data)), shape)
	}
	return d.fromBytes(sc, "FromSlice", Float32, raw.Bytes(data), shape)
}

// Scalar returns a 0-dimensional tensor holding v.
func (d *Device) Scalar(v float32) *Tensor { return d.fromSlice(nil, []float32{v}, []int{}) }

// Full returns a tensor of the given shape with every element v.
func (d *Device) Full(v float32, shape ...int) *Tensor { return d.full(nil, v, shape) }

func (d *Device) full(sc *Scope, v float32, shape []int) *Tensor {
	return d.fullOf(sc, Float32, float64(v), shape)
}

// Zeros returns a tensor of the given shape filled with 0.
func (d *Device) Zeros(shape ...int) *Tensor { return d.full(nil, 0, shape) }

// Ones returns a tensor of the given shape filled with 1.
func (d *Device) Ones(shape ...int) *Tensor { return d.full(nil, 1, shape) }

// Arange returns the 1-D tensor start, start+step, ... of the values below
// stop (above it when step is negative), ceil((stop-start)/step) of them,
// as NumPy's arange. It panics with a *ShapeError when step is 0, when
// start, stop or step is NaN or infinite, or when the count is too large
// for a tensor.
func (d *Device) Arange(start, stop, step float64) *Tensor { return d.arange(nil, start, stop, step) }

func (d *Device) arange(sc *Scope, start, stop, step float64) *Tensor {
	return d.arangeOf(sc, Float32, start, stop, step)
}

func (d *Device) arangeOf(sc *Scope, dt DType, start, stop, step float64) *Tensor {
	if !dt.Valid() {
		panic(&DTypeError{Op: "Arange", DType: dt, Reason: "not a dtype"})
	}
	if !finite(start) || !finite(stop) || !finite(step) {
		shapePanic("Arange", fmt.Sprintf("start %v, stop %v, step %v: every bound and the step must be finite", start, stop, step))
	}
	if step == 0 {
		shapePanic("Arange", "step 0")
	}
	f := math.Ceil((stop - start) / step) // +Inf when stop-start overflows
	if f >= maxSize {
		shapePanic("Arange", fmt.Sprintf("start %v, stop %v, step %v: %v elements, more than %d", start, stop, step, f, maxSize))
	}
	n := 0
	if f > 0 { // converting -Inf to int is not defined
		n = int(f)
	}
	t := allocIn(d, sc, dt, []int{n})
	if t.ok() {
		d.b.Arange(t.strided("Arange"), start, step)
	}
	return t
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Eye returns the n×n identity matrix.
func (d *Device) Eye(n int) *Tensor { return d.eye(nil, n) }

func (d *Device) eye(sc *Scope, n int) *Tensor {
	t := d.full(sc, 0, []int{n, n})
	if t.ok() && n > 0 {
		// The diagonal is a strided view: stride n+1 through the storage.
		diag := t.view([]int{n}, []int{n + 1}, 0)
		d.b.Fill(diag.strided("Eye"), 1)
	}
	return t
}

// RNG names a stream of random tensors: each call that draws from it gets
// the next Philox stream of its seed, so a program that draws the same
// shapes in the same order gets the same tensors on every backend. An RNG is
// not safe for concurrent use.
type RNG struct {
	seed, next uint64
}

// NewRNG returns a generator for seed.
func NewRNG(seed uint64) *RNG { return &RNG{seed: seed} }

// Uniform returns a tensor of independent draws from the uniform
// distribution on [lo, hi).
func (d *Device) Uniform(r *RNG, lo, hi float32, shape ...int) *Tensor {
	return d.random(nil, "Uniform", r, backend.Uniform, lo, hi, shape)
}

// Normal returns a tensor of independent draws from the normal distribution
// with the given mean and standard deviation.
func (d *Device) Normal(r *RNG, mean, std float32, shape ...int) *Tensor {
	return d.random(nil, "Normal", r, backend.Normal, mean, std, shape)
}

func (d *Device) random(sc *Scope, op string, r *RNG, dist backend.Dist, a, b float32, shape []int) *Tensor {
	checkShape(op, shape)
	t := allocIn(d, sc, Float32, shape)
	stream := r.next
	r.next++
	if t.ok() {
		d.b.Random(t.strided(op), dist, r.seed, stream, a, b)
	}
	return t
}

// FromSlice is Default().FromSlice.
func FromSlice(data []float32, shape ...int) *Tensor { return Default().FromSlice(data, shape...) }

// Scalar is Default().Scalar.
func Scalar(v float32) *Tensor { return Default().Scalar(v) }

// Full is Default().Full.
func Full(v float32, shape ...int) *Tensor { return Default().Full(v, shape...) }

// Zeros is Default().Zeros.
func Zeros(shape ...int) *Tensor { return Default().Zeros(shape...) }

// Ones is Default().Ones.
func Ones(shape ...int) *Tensor { return Default().Ones(shape...) }

// Arange is Default().Arange.
func Arange(start, stop, step float64) *Tensor { return Default().Arange(start, stop, step) }

// Eye is Default().Eye.
func Eye(n int) *Tensor { return Default().Eye(n) }

// Uniform is Default().Uniform.
func Uniform(r *RNG, lo, hi float32, shape ...int) *Tensor {
	return Default().Uniform(r, lo, hi, shape...)
}

// Normal is Default().Normal.
func Normal(r *RNG, mean, std float32, shape ...int) *Tensor {
	return Default().Normal(r, mean, std, shape...)
}

// Creation through a scope: the same as the Device's, the result belonging
// to s.

// FromSlice is Device.FromSlice, the result belonging to s.
func (s *Scope) FromSlice(data []float32, shape ...int) *Tensor {
	return s.dev.fromSlice(s, data, sliceShape(data, shape))
}

// Scalar is Device.Scalar, the result belonging to s.
func (s *Scope) Scalar(v float32) *Tensor { return s.dev.fromSlice(s, []float32{v}, []int{}) }

// Full is Device.Full, the result belonging to s.
func (s *Scope) Full(v float32, shape ...int) *Tensor { return s.dev.full(s, v, shape) }

// Zeros is Device.Zeros, the result belonging to s.
func (s *Scope) Zeros(shape ...int) *Tensor { return s.dev.full(s, 0, shape) }

// Ones is Device.Ones, the result belonging to s.
func (s *Scope) Ones(shape ...int) *Tensor { return s.dev.full(s, 1, shape) }

// Arange is Device.Arange, the result belonging to s.
func (s *Scope) Arange(start, stop, step float64) *Tensor {
	return s.dev.arange(s, start, stop, step)
}

// Eye is Device.Eye, the result belonging to s.
func (s *Scope) Eye(n int) *Tensor { return s.dev.eye(s, n) }

// Uniform is Device.Uniform, the result belonging to s.
func (s *Scope) Uniform(r *RNG, lo, hi float32, shape ...int) *Tensor {
	return s.dev.random(s, "Uniform", r, backend.Uniform, lo, hi, shape)
}

// Normal is Device.Normal, the result belonging to s.
func (s *Scope) Normal(r *RNG, mean, std float32, shape ...int) *Tensor {
	return s.dev.random(s, "Normal", r, backend.Normal, mean, std, shape)
}

// Tensors made inside ops (constants, zeros for gradients) belong to the
// scope of the tensor they are made for, on its device.

// zerosFor returns zeros of x's shape on g's device, in the innermost
// scope of g and x: a gradient for x in the backward pass of g.
func zerosFor(g, x *Tensor) *Tensor {
	return g.st.dev.fullOf(resultScope(g, x), x.DType(), 0, x.shape)
}

// scalarLike returns the scalar v on t's device, in t's scope, of t's
// dtype (Float32 for an Int32 t and a v that is not an integer).
func scalarLike(t *Tensor, v float32) *Tensor {
	dt := t.DType()
	if dt == Int32 && !isInteger(v) {
		dt = Float32
	}
	return t.st.dev.fullOf(t.sc.open(), dt, float64(v), []int{})
}
