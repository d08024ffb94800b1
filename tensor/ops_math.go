package tensor

import (
	"fmt"
	"math"
)

// The ops of this file are compositions of the backend ops (elementwise,
// reductions, views, Concat, Where), so they run on every backend and
// tensor's autograd differentiates them with no gradient code of their
// own. Floor, Ceil, Round, Trunc, Sin, Cos and Erf have no exact
// composition from those ops and need backend kernels; they are not here.

// Clamp returns t limited to [lo, hi] elementwise: max(min(t, hi), lo). Its
// gradient is 1 strictly inside the range and 0 outside. lo must not
// exceed hi.
func (t *Tensor) Clamp(lo, hi float32) *Tensor {
	if lo > hi {
		shapePanic("Clamp", fmt.Sprintf("lower bound %v is above upper bound %v", lo, hi), t.shape)
	}
	return t.MaximumScalar(lo).MinimumScalar(hi)
}

// SiLU returns t·sigmoid(t) (the swish activation).
func (t *Tensor) SiLU() *Tensor { return t.Mul(t.Sigmoid()) }

// Where Log1p and Expm1 switch from their series to the composed formula.
const (
	log1pSeriesBound = 0.1
	expm1SeriesBound = 0.5
)

// Log1p returns log(1+t) accurately for t near 0, where the plain
// composition t.AddScalar(1).Log() would lose every digit that 1+t rounds
// away (for |t| < 6e-8 it returns 0). For |t| < 0.1 it sums the Taylor
// series to the 9th power (truncation below 1e-10 relative); elsewhere it
// evaluates log(u)·t/(u−1) with u = 1+t rounded, which cancels the rounding
// of u. With a correctly rounded Log (the CPU backend) the result is within
// a few float32 ulps of log1p (4 in the tests); on a backend whose Log is less exact (GLSL
// allows an absolute error of 2⁻²¹ on [0.5, 2]) that error carries over
// for |t| ≥ 0.1, a relative error below 5e-6. NaN below −1, −Inf at −1.
func (t *Tensor) Log1p() *Tensor {
	small := t.Abs().LtScalar(log1pSeriesBound)
	// Horner's rule on the clamped input, so the unused branch stays
	// finite (and its zero gradient stays zero).
	x := t.Clamp(-log1pSeriesBound, log1pSeriesBound)
	series := scalarLike(t, float32(1.0/9))
	for k := 8; k >= 1; k-- {
		c := float32(1 / float64(k))
		if k%2 == 0 {
			c = -c
		}
		series = series.Mul(x).AddScalar(c)
	}
	series = series.Mul(x)
	u := t.AddScalar(1)
	d := u.SubScalar(1)
	// d is 0 only where |t| is tiny, inside the series branch: replace it
	// by 1 there so that no 0/0 appears even in the unused branch.
	safeD := Where(d.EqScalar(0), scalarLike(t, 1), d)
	// t/(u−1) corrects for the rounding of u; it is taken first so that
	// t·log(u) cannot overflow, and at t = +Inf (Inf/Inf) it is 1, its
	// limit.
	corr := Where(t.EqScalar(float32(math.Inf(1))), scalarLike(t, 1), t.Div(safeD))
	big := u.Log().Mul(corr)
	return Where(small, series, big)
}

// Expm1 returns e^t − 1 accurately for t near 0, where the plain
// t.Exp().SubScalar(1) cancels: for |t| < 0.5 it sums the Taylor series to
// the 11th power (truncation below 1e-11 relative), elsewhere it computes
// e^t − 1, whose relative error there is at most about 3 ulps of e^t.
func (t *Tensor) Expm1() *Tensor {
	small := t.Abs().LtScalar(expm1SeriesBound)
	x := t.Clamp(-expm1SeriesBound, expm1SeriesBound)
	// x·(1 + x/2·(1 + x/3·(1 + ...))), nested from the inside.
	series := scalarLike(t, 1)
	for k := 11; k >= 2; k-- {
		series = series.Mul(x).MulScalar(float32(1 / float64(k))).AddScalar(1)
	}
	series = series.Mul(x)
	return Where(small, series, t.Exp().SubScalar(1))
}

// LogSumExp returns log(Σ exp(t)) over axes (all axes when none are
// given), computed stably by shifting by the maximum; the reduced axes are
// removed. Rows that are all −Inf give −Inf; a +Inf element gives +Inf.
// The gradient is the softmax of t over axes.
func (t *Tensor) LogSumExp(axes ...int) *Tensor { return t.logSumExp(false, axes) }

// LogSumExpKeepDims is LogSumExp keeping the reduced axes with size 1.
func (t *Tensor) LogSumExpKeepDims(axes ...int) *Tensor { return t.logSumExp(true, axes) }

func (t *Tensor) logSumExp(keep bool, axes []int) *Tensor {
	t.reduceAxes("LogSumExp", axes)
	// The shift is a constant for autograd (the gradient does not depend
	// on it); an infinite maximum is replaced by 0 so that x−m is no NaN.
	m := t.Detach().MaxKeepDims(axes...)
	m = Where(m.Abs().EqScalar(float32(math.Inf(1))), scalarLike(m, 0), m)
	out := t.Sub(m).Exp().SumKeepDims(axes...).Log().Add(m)
	if keep {
		return out
	}
	return out.Squeeze(normAxes("LogSumExp", axes, t.shape)...)
}

// normAxes returns axes normalized to [0, rank), or every axis when none
// are given.
func normAxes(op string, axes []int, shape []int) []int {
	if len(axes) == 0 {
		all := make([]int, len(shape))
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = normAxis(op, a, len(shape), shape)
	}
	return out
}

// Std returns the population standard deviation √Var over axes (all axes
// when none are given), as NumPy's std with ddof 0; the reduced axes are
// removed. Its gradient is infinite where the deviation is 0.
func (t *Tensor) Std(axes ...int) *Tensor { return t.Var(axes...).Sqrt() }

// StdKeepDims is Std keeping the reduced axes with size 1.
func (t *Tensor) StdKeepDims(axes ...int) *Tensor { return t.VarKeepDims(axes...).Sqrt() }

// Prod returns the product of the elements over axes (all axes when none
// are given); the reduced axes are removed, and an empty product is 1. It
// multiplies pairs in a balanced tree (⌈log₂ n⌉ elementwise products over
// n elements), so signs and zeros are exact and the gradient is right
// even where elements are 0.
func (t *Tensor) Prod(axes ...int) *Tensor {
	ax := normAxes("Prod", axes, t.shape)
	t.reduceAxes("Prod", axes)
	red := make([]bool, len(t.shape))
	for _, a := range ax {
		red[a] = true
	}
	// Move the reduced axes last and merge them into one.
	var order, kept []int
	n := 1
	for i := range t.shape {
		if !red[i] {
			order = append(order, i)
			kept = append(kept, t.shape[i])
		}
	}
	for i := range t.shape {
		if red[i] {
			order = append(order, i)
			n *= t.shape[i]
		}
	}
	if n == 0 {
		return t.st.dev.fullOf(t.sc.open(), t.DType(), 1, kept)
	}
	x := t.Permute(order...).Reshape(append(kept[:len(kept):len(kept)], n)...)
	last := len(kept)
	for x.shape[last] > 1 {
		m := x.shape[last]
		if m%2 == 1 {
			pad := make([]int, len(x.shape))
			copy(pad, x.shape)
			pad[last] = 1
			x = Concat(last, x, t.st.dev.fullOf(resultScope(x), t.DType(), 1, pad))
			m++
		}
		x = x.Slice(last, 0, m, 2).Mul(x.Slice(last, 1, m, 2))
	}
	return x.Squeeze(last)
}

// Cumsum returns the running sums along axis: out[..., i, ...] is the sum
// of t[..., 0..i, ...]. It runs the Hillis–Steele scan, ⌈log₂ n⌉ shifted
// additions for an axis of size n (O(n log n) work, ⌈log₂ n⌉ launches);
// each sum is rounded ⌈log₂ n⌉ times, where a sequential loop rounds up
// to n−1 times.
func (t *Tensor) Cumsum(axis int) *Tensor { return t.scan("Cumsum", axis, 0, (*Tensor).Add) }

// Cumprod returns the running products along axis, by the same scan as
// Cumsum; the gradient is right where elements are 0.
func (t *Tensor) Cumprod(axis int) *Tensor { return t.scan("Cumprod", axis, 1, (*Tensor).Mul) }

func (t *Tensor) scan(name string, axis int, identity float32, op func(a, b *Tensor) *Tensor) *Tensor {
	ax := t.axis(name, axis)
	n := t.shape[ax]
	x := t
	if n == 0 {
		return t.Contiguous()
	}
	for shift := 1; shift < n; shift *= 2 {
		padShape := make([]int, len(t.shape))
		copy(padShape, t.shape)
		padShape[ax] = shift
		pad := t.st.dev.fullOf(resultScope(x), t.DType(), float64(identity), padShape)
		shifted := Concat(ax, pad, x.Narrow(ax, 0, n-shift))
		x = op(x, shifted)
	}
	if x == t {
		return t.Contiguous()
	}
	return x
}
