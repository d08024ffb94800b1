package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// unaryFunc returns the scalar function of op; math runs in float64 and is
// rounded once.
func unaryFunc(op backend.UnaryOp, alpha, beta float32) func(float32) float32 {
	al := float64(alpha)
	switch op {
	case backend.Neg:
		return func(x float32) float32 { return -x }
	case backend.Abs:
		return func(x float32) float32 { return float32(math.Abs(float64(x))) }
	case backend.Exp:
		return func(x float32) float32 { return float32(math.Exp(float64(x))) }
	case backend.Log:
		return func(x float32) float32 { return float32(math.Log(float64(x))) }
	case backend.Sqrt:
		return func(x float32) float32 { return float32(math.Sqrt(float64(x))) }
	case backend.Rsqrt:
		return func(x float32) float32 { return float32(1 / math.Sqrt(float64(x))) }
	case backend.Tanh:
		return func(x float32) float32 { return float32(math.Tanh(float64(x))) }
	case backend.Sigmoid:
		return func(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
	case backend.Relu:
		return func(x float32) float32 {
			if x > 0 || x != x {
				return x
			}
			return 0
		}
	case backend.Gelu:
		return func(x float32) float32 {
			v := float64(x)
			return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
		}
	case backend.AffineS:
		return func(x float32) float32 { return float32(float64(x)*al + float64(beta)) }
	case backend.RsubS:
		return func(x float32) float32 { return alpha - x }
	case backend.RdivS:
		return func(x float32) float32 { return alpha / x }
	case backend.PowS:
		return func(x float32) float32 { return float32(math.Pow(float64(x), al)) }
	case backend.MaxS:
		return func(x float32) float32 { return maximum(x, alpha) }
	case backend.MinS:
		return func(x float32) float32 { return minimum(x, alpha) }
	case backend.EqS:
		return func(x float32) float32 { return mask(x == alpha) }
	case backend.NeS:
		return func(x float32) float32 { return mask(x != alpha) }
	case backend.LtS:
		return func(x float32) float32 { return mask(x < alpha) }
	case backend.LeS:
		return func(x float32) float32 { return mask(x <= alpha) }
	case backend.GtS:
		return func(x float32) float32 { return mask(x > alpha) }
	case backend.GeS:
		return func(x float32) float32 { return mask(x >= alpha) }
	case backend.Square:
		return func(x float32) float32 { return x * x }
	case backend.Recip:
		return func(x float32) float32 { return 1 / x }
	case backend.Sign:
		return func(x float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // ±0 and NaN
		}
	}
	if f := moreUnaryFunc(op); f != nil {
		return f
	}
	panic("cpu: unknown unary op")
}

func mask(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// maximum and minimum propagate NaN, as NumPy's maximum and minimum do.
func maximum(a, b float32) float32 {
	if a > b || a != a {
		return a
	}
	return b
}

func minimum(a, b float32) float32 {
	if a < b || a != a {
		return a
	}
	return b
}

// Unary sets dst = op(src).
func (b *Backend) Unary(op backend.UnaryOp, dst, src backend.Strided, alpha64, beta64 float64) {
	if chunk16([]backend.Strided{dst, src}, func(w []backend.Strided) { b.Unary(op, w[0], w[1], alpha64, beta64) }) {
		return
	}
	if dst.DType() == backend.Int32 {
		unaryInt(op, dst, src, alpha64, beta64)
		return
	}
	alpha, beta := float32(alpha64), float32(beta64)
	d, a := data(dst.Buf)[dst.Offset:], data(src.Buf)[src.Offset:]
	it := newIter(dst.Shape, dst, src)
	sd, sa := it.inner(0), it.inner(1)
	f := unaryFunc(op, alpha, beta)
	minWork := parallelMin
	switch op {
	case backend.Exp, backend.Log, backend.Tanh, backend.Sigmoid, backend.Gelu, backend.PowS,
		backend.Sin, backend.Cos, backend.Erf:
		minWork = parallelMinHeavy
	}
	it.runMin(minWork, func(_ int, off *[maxOps]int, n int) {
		od, oa := off[0], off[1]
		if sd == 1 && sa == 1 {
			dd, aa := d[od:od+n], a[oa:oa+n]
			if unaryVec(op, dd, aa, alpha) {
				return
			}
			switch op {
			case backend.Relu:
				for i, x := range aa {
					if !(x > 0 || x != x) {
						x = 0
					}
					dd[i] = x
				}
			case backend.AffineS:
				for i, x := range aa {
					dd[i] = float32(float64(x)*float64(alpha) + float64(beta))
				}
			default:
				for i, x := range aa {
					dd[i] = f(x)
				}
			}
			return
		}
		for i := 0; i < n; i++ {
			d[od+i*sd] = f(a[oa+i*sa])
		}
	})
}

// unaryVec runs op on a contiguous row through package vec's kernels,
// with the same results as unaryFunc; it reports false for the ops it
// does not cover.
func unaryVec(op backend.UnaryOp, d, a []float32, alpha float32) bool {
	switch op {
	case backend.Exp:
		vec.Exp(d, a)
	case backend.Sigmoid:
		vec.Sigmoid(d, a)
	case backend.Tanh:
		vec.Tanh(d, a)
	case backend.Relu: // max(x, 0) is +0 for −0, as Relu
		vec.BinaryScalar(vec.Max, d, a, 0)
	case backend.Neg:
		vec.BinaryScalar(vec.Mul, d, a, -1)
	case backend.Square:
		vec.Binary(vec.Mul, d, a, a)
	case backend.Recip:
		vec.ScalarBinary(vec.Div, d, 1, a)
	case backend.RsubS:
		vec.ScalarBinary(vec.Sub, d, alpha, a)
	case backend.RdivS:
		vec.ScalarBinary(vec.Div, d, alpha, a)
	case backend.MaxS:
		vec.BinaryScalar(vec.Max, d, a, alpha)
	case backend.MinS:
		vec.BinaryScalar(vec.Min, d, a, alpha)
	default:
		return false
	}
	return true
}

// binaryFunc returns the scalar function of op.
func binaryFunc(op backend.BinaryOp) func(a, b float32) float32 {
	switch op {
	case backend.Add:
		return func(a, b float32) float32 { return a + b }
	case backend.Sub:
		return func(a, b float32) float32 { return a - b }
	case backend.Mul:
		return func(a, b float32) float32 { return a * b }
	case backend.Div:
		return func(a, b float32) float32 { return a / b }
	case backend.Pow:
		return func(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) }
	case backend.Maximum:
		return maximum
	case backend.Minimum:
		return minimum
	case backend.Eq:
		return func(a, b float32) float32 { return mask(a == b) }
	case backend.Ne:
		return func(a, b float32) float32 { return mask(a != b) }
	case backend.Lt:
		return func(a, b float32) float32 { return mask(a < b) }
	case backend.Le:
		return func(a, b float32) float32 { return mask(a <= b) }
	case backend.Gt:
		return func(a, b float32) float32 { return mask(a > b) }
	case backend.Ge:
		return func(a, b float32) float32 { return mask(a >= b) }
	}
	panic("cpu: unknown binary op")
}

// vecOps maps the binary ops package vec has kernels for.
var vecOps = map[backend.BinaryOp]vec.Op{
	backend.Add: vec.Add, backend.Sub: vec.Sub, backend.Mul: vec.Mul,
	backend.Div: vec.Div, backend.Maximum: vec.Max, backend.Minimum: vec.Min,
}

// Binary sets dst = op(a, b). Rows where dst is contiguous and each source
// is contiguous or one broadcast value (a row vector over a matrix, a
// column vector, a scalar) run through package vec's kernels; any other
// layout takes the strided loop.
func (be *Backend) Binary(op backend.BinaryOp, dst, a, b backend.Strided) {
	if chunk16([]backend.Strided{dst, a, b}, func(w []backend.Strided) { be.Binary(op, w[0], w[1], w[2]) }) {
		return
	}
	if dst.DType() == backend.Int32 {
		binaryInt(op, dst, a, b)
		return
	}
	d := data(dst.Buf)[dst.Offset:]
	x, y := data(a.Buf)[a.Offset:], data(b.Buf)[b.Offset:]
	it := newIter(dst.Shape, dst, a, b)
	sd, sa, sb := it.inner(0), it.inner(1), it.inner(2)
	f := binaryFunc(op)
	vop, vecOK := vecOps[op]
	vecOK = vecOK && sd == 1 && sa <= 1 && sb <= 1
	cmp := op >= backend.Eq && op <= backend.Ge
	it.run(func(_ int, off *[maxOps]int, n int) {
		od, oa, ob := off[0], off[1], off[2]
		if vecOK {
			switch {
			case sa == 1 && sb == 1:
				vec.Binary(vop, d[od:od+n], x[oa:oa+n], y[ob:ob+n])
				return
			case sa == 1: // sb == 0
				vec.BinaryScalar(vop, d[od:od+n], x[oa:oa+n], y[ob])
				return
			case sb == 1: // sa == 0
				vec.ScalarBinary(vop, d[od:od+n], x[oa], y[ob:ob+n])
				return
			}
		}
		if cmp && sd == 1 && sa == 1 && sb <= 1 {
			compareRow(op, d[od:od+n], x[oa:oa+n], y[ob:], sb)
			return
		}
		for i := 0; i < n; i++ {
			d[od+i*sd] = f(x[oa+i*sa], y[ob+i*sb])
		}
	})
}

// compareRow sets d[i] = 1 where a[i] op b[i·sb] holds, else 0, for the
// comparison ops, without a function call per element (sb is 0 or 1).
func compareRow(op backend.BinaryOp, d, a, b []float32, sb int) {
	if len(d) == 0 {
		return
	}
	a = a[:len(d)]
	_ = b[(len(d)-1)*sb]
	switch op {
	case backend.Eq:
		for i, v := range a {
			d[i] = mask(v == b[i*sb])
		}
	case backend.Ne:
		for i, v := range a {
			d[i] = mask(v != b[i*sb])
		}
	case backend.Lt:
		for i, v := range a {
			d[i] = mask(v < b[i*sb])
		}
	case backend.Le:
		for i, v := range a {
			d[i] = mask(v <= b[i*sb])
		}
	case backend.Gt:
		for i, v := range a {
			d[i] = mask(v > b[i*sb])
		}
	case backend.Ge:
		for i, v := range a {
			d[i] = mask(v >= b[i*sb])
		}
	}
}
