package tensor

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// Device creates tensors on one backend. On(b) returns the Device of
// backend b; the package-level creation functions (Zeros, FromSlice, ...)
// use the default Device, the CPU unless SetDefault chose another.
type Device struct{ b backend.Backend }

// On returns the Device that creates tensors on b.
func On(b backend.Backend) Device { return Device{b} }

var (
	defaultMu  sync.Mutex
	defaultDev = Device{cpu.New()}
)

// CPU returns the pure-Go backend's Device.
func CPU() Device { return Device{cpu.New()} }

// Default returns the Device the package-level creation functions use.
func Default() Device {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultDev
}

// SetDefault makes b the backend of the package-level creation functions.
func SetDefault(b backend.Backend) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	defaultDev = Device{b}
}

// Backend is the backend d creates tensors on.
func (d Device) Backend() backend.Backend { return d.b }

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
func (d Device) FromSlice(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	return d.fromSlice(data, shape)
}

// fromSlice is FromSlice with an explicit shape ([] for a scalar).
func (d Device) fromSlice(data []float32, shape []int) *Tensor {
	checkShape("FromSlice", shape)
	if prod(shape) != len(data) {
		shapePanic("FromSlice", fmt.Sprintf("holds %d elements, not the %d given", prod(shape), len(data)), shape)
	}
	t := alloc(d.b, shape)
	if t.ok() && len(data) > 0 {
		if err := d.b.Write(t.st.ref.buf, 0, data); err != nil {
			t.err = err
		}
	}
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func (d Device) Scalar(v float32) *Tensor { return d.fromSlice([]float32{v}, []int{}) }

// Full returns a tensor of the given shape with every element v.
func (d Device) Full(v float32, shape ...int) *Tensor {
	checkShape("Full", shape)
	t := alloc(d.b, shape)
	if t.ok() {
		d.b.Fill(t.strided("Full"), v)
	}
	return t
}

// Zeros returns a tensor of the given shape filled with 0.
func (d Device) Zeros(shape ...int) *Tensor { return d.Full(0, shape...) }

// Ones returns a tensor of the given shape filled with 1.
func (d Device) Ones(shape ...int) *Tensor { return d.Full(1, shape...) }

// Arange returns the 1-D tensor start, start+step, ... of the values below
// stop (above it when step is negative), ceil((stop-start)/step) of them,
// as NumPy's arange. It panics with a *ShapeError when step is 0, when
// start, stop or step is NaN or infinite, or when the count is too large
// for a tensor.
func (d Device) Arange(start, stop, step float64) *Tensor {
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
	t := alloc(d.b, []int{n})
	if t.ok() {
		d.b.Arange(t.strided("Arange"), start, step)
	}
	return t
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Eye returns the n×n identity matrix.
func (d Device) Eye(n int) *Tensor {
	t := d.Zeros(n, n)
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
func (d Device) Uniform(r *RNG, lo, hi float32, shape ...int) *Tensor {
	return d.random("Uniform", r, backend.Uniform, lo, hi, shape)
}

// Normal returns a tensor of independent draws from the normal distribution
// with the given mean and standard deviation.
func (d Device) Normal(r *RNG, mean, std float32, shape ...int) *Tensor {
	return d.random("Normal", r, backend.Normal, mean, std, shape)
}

func (d Device) random(op string, r *RNG, dist backend.Dist, a, b float32, shape []int) *Tensor {
	checkShape(op, shape)
	t := alloc(d.b, shape)
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

// zerosLike returns zeros of t's shape on t's backend.
func zerosLike(t *Tensor) *Tensor { return On(t.Backend()).Zeros(slices.Clone(t.shape)...) }
