package tensor

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
)

// unary applies op elementwise, in t's dtype: an Int32 t is converted to
// Float32 first for the ops whose results are not integers, and for a
// scalar that is not one.
func (t *Tensor) unary(name string, op backend.UnaryOp, alpha, beta float32) *Tensor {
	if t.DType() == Int32 {
		switch op {
		case backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
			return t.Clone() // integers already
		case backend.Exp, backend.Log, backend.Sqrt, backend.Rsqrt, backend.Tanh, backend.Sigmoid,
			backend.Gelu, backend.RdivS, backend.PowS, backend.Recip, backend.Sin, backend.Cos, backend.Erf:
			t = t.as(Float32)
		default:
			if !isInteger(alpha) || !isInteger(beta) {
				t = t.as(Float32)
			}
		}
	}
	b := t.Backend()
	out := alloc(b, t.DType(), t.shape, t)
	if out.ok() {
		b.Unary(op, out.strided(name), t.strided(name), float64(alpha), float64(beta))
	}
	return gradUnary(out, t, name, op, alpha)
}

// binary applies op elementwise to t and u broadcast together, in their
// promoted dtype (Float32 for Div and Pow of two Int32 tensors).
func (t *Tensor) binary(name string, op backend.BinaryOp, u *Tensor) *Tensor {
	b := sameBackend(name, t, u)
	shape := mustBroadcast(name, t, u)
	dt := Promote(t.DType(), u.DType())
	if op == backend.Div || op == backend.Pow {
		dt = floatOf(dt)
	}
	t, u = t.as(dt), u.as(dt)
	out := alloc(b, dt, shape, t, u)
	if out.ok() {
		b.Binary(op, out.strided(name), t.broadcastView(name, shape).strided(name), u.broadcastView(name, shape).strided(name))
	}
	return gradBinary(out, t, u, name, op)
}

// Add returns t + u elementwise, broadcasting t and u together.
func (t *Tensor) Add(u *Tensor) *Tensor { return t.binary("Add", backend.Add, u) }

// Sub returns t − u elementwise, broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor { return t.binary("Sub", backend.Sub, u) }

// Mul returns t · u elementwise (the Hadamard product), broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor { return t.binary("Mul", backend.Mul, u) }

// Div returns t / u elementwise, broadcasting; division by zero gives ±Inf
// or NaN as in IEEE 754.
func (t *Tensor) Div(u *Tensor) *Tensor { return t.binary("Div", backend.Div, u) }

// Pow returns t raised to the power u elementwise, broadcasting.
func (t *Tensor) Pow(u *Tensor) *Tensor { return t.binary("Pow", backend.Pow, u) }

// Maximum returns the larger of t and u elementwise, broadcasting; NaN in
// either gives NaN.
func (t *Tensor) Maximum(u *Tensor) *Tensor { return t.binary("Maximum", backend.Maximum, u) }

// Minimum returns the smaller of t and u elementwise, broadcasting; NaN in
// either gives NaN.
func (t *Tensor) Minimum(u *Tensor) *Tensor { return t.binary("Minimum", backend.Minimum, u) }

// Eq returns 1 where t == u and 0 elsewhere, broadcasting.
func (t *Tensor) Eq(u *Tensor) *Tensor { return t.binary("Eq", backend.Eq, u) }

// Ne returns 1 where t != u and 0 elsewhere, broadcasting.
func (t *Tensor) Ne(u *Tensor) *Tensor { return t.binary("Ne", backend.Ne, u) }

// Lt returns 1 where t < u and 0 elsewhere, broadcasting.
func (t *Tensor) Lt(u *Tensor) *Tensor { return t.binary("Lt", backend.Lt, u) }

// Le returns 1 where t <= u and 0 elsewhere, broadcasting.
func (t *Tensor) Le(u *Tensor) *Tensor { return t.binary("Le", backend.Le, u) }

// Gt returns 1 where t > u and 0 elsewhere, broadcasting.
func (t *Tensor) Gt(u *Tensor) *Tensor { return t.binary("Gt", backend.Gt, u) }

// Ge returns 1 where t >= u and 0 elsewhere, broadcasting.
func (t *Tensor) Ge(u *Tensor) *Tensor { return t.binary("Ge", backend.Ge, u) }

// Where returns a where cond is non-zero and b elsewhere, broadcasting all
// three together.
func Where(cond, a, b *Tensor) *Tensor {
	const name = "Where"
	be := sameBackend(name, cond, a, b)
	shape := mustBroadcast(name, cond, a, b)
	dt := Promote(a.DType(), b.DType())
	a, b = a.as(dt), b.as(dt)
	out := alloc(be, dt, shape, cond, a, b)
	if out.ok() {
		be.Where(out.strided(name), cond.broadcastView(name, shape).strided(name),
			a.broadcastView(name, shape).strided(name), b.broadcastView(name, shape).strided(name))
	}
	return gradWhere(out, cond, a, b)
}

// Neg returns −t.
func (t *Tensor) Neg() *Tensor { return t.unary("Neg", backend.Neg, 0, 0) }

// Abs returns |t|.
func (t *Tensor) Abs() *Tensor { return t.unary("Abs", backend.Abs, 0, 0) }

// Exp returns e^t.
func (t *Tensor) Exp() *Tensor { return t.unary("Exp", backend.Exp, 0, 0) }

// Log returns the natural logarithm of t (NaN below 0, −Inf at 0).
func (t *Tensor) Log() *Tensor { return t.unary("Log", backend.Log, 0, 0) }

// Sqrt returns √t.
func (t *Tensor) Sqrt() *Tensor { return t.unary("Sqrt", backend.Sqrt, 0, 0) }

// Rsqrt returns 1/√t.
func (t *Tensor) Rsqrt() *Tensor { return t.unary("Rsqrt", backend.Rsqrt, 0, 0) }

// Tanh returns the hyperbolic tangent of t.
func (t *Tensor) Tanh() *Tensor { return t.unary("Tanh", backend.Tanh, 0, 0) }

// Sigmoid returns the logistic function 1/(1+e^−t).
func (t *Tensor) Sigmoid() *Tensor { return t.unary("Sigmoid", backend.Sigmoid, 0, 0) }

// Relu returns max(t, 0), the rectified linear unit.
func (t *Tensor) Relu() *Tensor { return t.unary("Relu", backend.Relu, 0, 0) }

// Gelu returns t·Φ(t), where Φ is the standard normal CDF (the exact GELU,
// not the tanh approximation).
func (t *Tensor) Gelu() *Tensor { return t.unary("Gelu", backend.Gelu, 0, 0) }

// Square returns t·t.
func (t *Tensor) Square() *Tensor { return t.unary("Square", backend.Square, 0, 0) }

// Sign returns −1, 0 or 1 by the sign of t (NaN stays NaN).
func (t *Tensor) Sign() *Tensor { return t.unary("Sign", backend.Sign, 0, 0) }

// Floor returns the largest integer not above t, elementwise (exact; −0,
// ±Inf and NaN stay as they are). Its gradient is zero, as PyTorch's.
func (t *Tensor) Floor() *Tensor { return t.unary("Floor", backend.Floor, 0, 0) }

// Ceil returns the smallest integer not below t, elementwise (exact; values
// in (−1, 0) give −0). Its gradient is zero, as PyTorch's.
func (t *Tensor) Ceil() *Tensor { return t.unary("Ceil", backend.Ceil, 0, 0) }

// Round returns t rounded to the nearest integer, halves to even (as
// torch.round and NumPy's round: Round(2.5) = 2, Round(-0.5) = −0). It is
// exact. Its gradient is zero, as PyTorch's.
func (t *Tensor) Round() *Tensor { return t.unary("Round", backend.Round, 0, 0) }

// Trunc returns the integer part of t, rounding toward zero (exact). Its
// gradient is zero, as PyTorch's.
func (t *Tensor) Trunc() *Tensor { return t.unary("Trunc", backend.Trunc, 0, 0) }

// Sin returns the sine of t (radians; NaN for ±Inf). Huge arguments are
// reduced exactly, so the result is within 1 ulp over the whole float32
// range on every backend (correctly rounded on the CPU; Vulkan measured at
// 0.82 ulp, see shaders/trig.glsl).
func (t *Tensor) Sin() *Tensor { return t.unary("Sin", backend.Sin, 0, 0) }

// Cos returns the cosine of t (radians; NaN for ±Inf), within 1 ulp over
// the whole float32 range, like Sin.
func (t *Tensor) Cos() *Tensor { return t.unary("Cos", backend.Cos, 0, 0) }

// Erf returns the error function 2/√π ∫₀ᵗ e^(−u²) du, elementwise, within
// 2 ulp (correctly rounded on the CPU; Vulkan measured at 1.3 ulp). A
// device that flushes subnormals returns 0 for subnormal t.
func (t *Tensor) Erf() *Tensor { return t.unary("Erf", backend.Erf, 0, 0) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float32) *Tensor { return t.unary("AddScalar", backend.AffineS, 1, s) }

// SubScalar returns t − s.
func (t *Tensor) SubScalar(s float32) *Tensor { return t.unary("SubScalar", backend.AffineS, 1, -s) }

// MulScalar returns t · s.
func (t *Tensor) MulScalar(s float32) *Tensor {
	// Adding −0, not +0, keeps the sign of a zero product (0·−1 is −0).
	return t.unary("MulScalar", backend.AffineS, s, float32(math.Copysign(0, -1)))
}

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float32) *Tensor {
	// x·(1/s) can differ from x/s in the last bit, so divide for real, by
	// s itself (not s rounded to 16 bits).
	return inFloat32(t, true, func(t *Tensor) *Tensor { return t.Div(scalarLike(t, s)) })
}

// RSubScalar returns s − t.
func (t *Tensor) RSubScalar(s float32) *Tensor { return t.unary("RSubScalar", backend.RsubS, s, 0) }

// RDivScalar returns s / t.
func (t *Tensor) RDivScalar(s float32) *Tensor { return t.unary("RDivScalar", backend.RdivS, s, 0) }

// PowScalar returns t raised to the power s.
func (t *Tensor) PowScalar(s float32) *Tensor { return t.unary("PowScalar", backend.PowS, s, 0) }

// MaximumScalar returns max(t, s) elementwise (NaN propagates).
func (t *Tensor) MaximumScalar(s float32) *Tensor {
	return t.unary("MaximumScalar", backend.MaxS, s, 0)
}

// MinimumScalar returns min(t, s) elementwise (NaN propagates).
func (t *Tensor) MinimumScalar(s float32) *Tensor {
	return t.unary("MinimumScalar", backend.MinS, s, 0)
}

// EqScalar returns 1 where t == s and 0 elsewhere.
func (t *Tensor) EqScalar(s float32) *Tensor { return t.unary("EqScalar", backend.EqS, s, 0) }

// NeScalar returns 1 where t != s and 0 elsewhere.
func (t *Tensor) NeScalar(s float32) *Tensor { return t.unary("NeScalar", backend.NeS, s, 0) }

// LtScalar returns 1 where t < s and 0 elsewhere.
func (t *Tensor) LtScalar(s float32) *Tensor { return t.unary("LtScalar", backend.LtS, s, 0) }

// LeScalar returns 1 where t <= s and 0 elsewhere.
func (t *Tensor) LeScalar(s float32) *Tensor { return t.unary("LeScalar", backend.LeS, s, 0) }

// GtScalar returns 1 where t > s and 0 elsewhere.
func (t *Tensor) GtScalar(s float32) *Tensor { return t.unary("GtScalar", backend.GtS, s, 0) }

// GeScalar returns 1 where t >= s and 0 elsewhere.
func (t *Tensor) GeScalar(s float32) *Tensor { return t.unary("GeScalar", backend.GeS, s, 0) }
