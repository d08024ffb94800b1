package tensor

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor/backend"
)

// reduceAxes resolves the axes of a reduction: all of them when none are
// given; repeated or out-of-range axes panic.
func (t *Tensor) reduceAxes(op string, axes []int) []bool {
	red := make([]bool, len(t.shape))
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
		return red
	}
	for _, a := range axes {
		ax := t.axis(op, a)
		if red[ax] {
			shapePanic(op, fmt.Sprintf("axis %d repeated in %v", a, axes), t.shape)
		}
		red[ax] = true
	}
	return red
}

// reduce runs a backend reduction over axes (all when empty). With keep,
// reduced axes stay as size 1, as NumPy's keepdims.
func (t *Tensor) reduce(name string, op backend.ReduceOp, keep bool, axes []int) *Tensor {
	red := t.reduceAxes(name, axes)
	// Move the reduced axes last (a view), as the backend expects.
	var order, outShape, keptShape []int
	redSize := 1
	for i, r := range red {
		if !r {
			order = append(order, i)
			outShape = append(outShape, t.shape[i])
		}
	}
	for i, r := range red {
		if r {
			order = append(order, i)
			redSize *= t.shape[i]
		}
	}
	for i, r := range red {
		if r {
			keptShape = append(keptShape, 1)
		} else {
			keptShape = append(keptShape, t.shape[i])
		}
	}
	if redSize == 0 && prod(outShape) > 0 && op != backend.Sum && op != backend.Mean {
		shapePanic(name, fmt.Sprintf("reduces zero elements over axes %v, and has no identity", axes), t.shape)
	}
	b := t.Backend()
	dt := t.DType()
	switch op {
	case backend.Mean:
		dt = floatOf(dt)
		t = t.as(dt)
	case backend.ArgMax, backend.ArgMin:
		dt = Int32
	}
	out := alloc(b, dt, outShape, t)
	if out.ok() && out.Size() > 0 {
		b.Reduce(op, out.strided(name), t.Permute(order...).strided(name))
	}
	if keep {
		out = out.view(keptShape, contiguousStrides(keptShape), 0)
	}
	return gradReduce(out, t, name, op, red, keptShape)
}

// Sum returns the sum of t over axes (all axes when none are given),
// dropping them from the shape. The sum of no elements is 0.
func (t *Tensor) Sum(axes ...int) *Tensor { return t.reduce("Sum", backend.Sum, false, axes) }

// SumKeepDims is Sum keeping the reduced axes as size 1, so the result
// broadcasts against t.
func (t *Tensor) SumKeepDims(axes ...int) *Tensor { return t.reduce("Sum", backend.Sum, true, axes) }

// Mean returns the arithmetic mean over axes (all when none are given); the
// mean of no elements is NaN.
func (t *Tensor) Mean(axes ...int) *Tensor { return t.reduce("Mean", backend.Mean, false, axes) }

// MeanKeepDims is Mean keeping the reduced axes as size 1.
func (t *Tensor) MeanKeepDims(axes ...int) *Tensor {
	return t.reduce("Mean", backend.Mean, true, axes)
}

// Max returns the maximum over axes (all when none are given); NaN wins. It
// panics with a *ShapeError when asked for the maximum of no elements.
func (t *Tensor) Max(axes ...int) *Tensor { return t.reduce("Max", backend.Max, false, axes) }

// MaxKeepDims is Max keeping the reduced axes as size 1.
func (t *Tensor) MaxKeepDims(axes ...int) *Tensor { return t.reduce("Max", backend.Max, true, axes) }

// Min returns the minimum over axes (all when none are given); NaN wins. It
// panics with a *ShapeError when asked for the minimum of no elements.
func (t *Tensor) Min(axes ...int) *Tensor { return t.reduce("Min", backend.Min, false, axes) }

// MinKeepDims is Min keeping the reduced axes as size 1.
func (t *Tensor) MinKeepDims(axes ...int) *Tensor { return t.reduce("Min", backend.Min, true, axes) }

// ArgMax returns the position of the first maximum over axes, as a float32
// index into the reduced axes flattened in row-major order (with one axis:
// the index along it; with none: the index into t flattened, as NumPy's
// argmax). NaN counts as the maximum. Indices are float32, exact up to
// 2^24: on the Vulkan backend ArgMax over more than 2^24+1 elements fails
// (the result reports the error) rather than return a rounded index; the
// CPU backend rounds such an index.
func (t *Tensor) ArgMax(axes ...int) *Tensor {
	return t.reduce("ArgMax", backend.ArgMax, false, axes)
}

// ArgMin is ArgMax for the first minimum.
func (t *Tensor) ArgMin(axes ...int) *Tensor {
	return t.reduce("ArgMin", backend.ArgMin, false, axes)
}

// Var returns the population variance (mean squared deviation from the
// mean, NumPy's ddof=0) over axes, all when none are given.
func (t *Tensor) Var(axes ...int) *Tensor { return t.variance(false, axes) }

// VarKeepDims is Var keeping the reduced axes as size 1.
func (t *Tensor) VarKeepDims(axes ...int) *Tensor { return t.variance(true, axes) }

// variance computes in two passes, mean first, which avoids the
// cancellation of the one-pass E[x²]−E[x]² formula.
func (t *Tensor) variance(keep bool, axes []int) *Tensor {
	t.reduceAxes("Var", axes)
	if t.DType() != Float32 {
		return inFloat32(t, true, func(t *Tensor) *Tensor { return t.variance(keep, axes) })
	}
	d := t.Sub(t.reduce("Var", backend.Mean, true, axes))
	return d.Mul(d).reduce("Var", backend.Mean, keep, axes)
}

// softmax runs the backend's row softmax along axis.
func (t *Tensor) softmax(name string, axis int, log bool) *Tensor {
	ax := t.axis(name, axis)
	t = t.as(floatOf(t.DType()))
	b := t.Backend()
	out := alloc(b, t.DType(), t.shape, t)
	if out.ok() && out.Size() > 0 {
		// Move axis last in both source and destination (views).
		order := make([]int, 0, len(t.shape))
		for i := range t.shape {
			if i != ax {
				order = append(order, i)
			}
		}
		order = append(order, ax)
		b.Softmax(out.Permute(order...).strided(name), t.Permute(order...).strided(name), log)
	}
	return gradSoftmax(out, t, name, ax, log)
}

// Softmax returns exp(t) / sum(exp(t)) along axis, computed stably (the
// maximum along the axis is subtracted first).
func (t *Tensor) Softmax(axis int) *Tensor { return t.softmax("Softmax", axis, false) }

// LogSoftmax returns t − log(sum(exp(t))) along axis, computed stably.
func (t *Tensor) LogSoftmax(axis int) *Tensor { return t.softmax("LogSoftmax", axis, true) }
