package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/gemm"
	"github.com/vktensor/vktensor/tensor/internal/half"
)

// The reduced matmul precisions (backend.Precision), computed the way a
// tensor-core kernel does: operands scaled by powers of two, rounded to
// float16 (kept in float32 variables, which hold every float16 exactly),
// multiplied by the float32 gemm. So the CPU gives what a GPU running the
// same precision gives, up to the order of float32 accumulation.

// HasPrecision reports true for every precision.
func (*Backend) HasPrecision(backend.Precision) bool { return true }

// MatMulAt is MatMul at precision p.
func (b *Backend) MatMulAt(dst, a, x backend.Strided, accumulate bool, p backend.Precision) {
	if p == backend.PrecisionHighest {
		b.MatMul(dst, a, x, accumulate)
		return
	}
	r := len(dst.Shape)
	m, n, k := dst.Shape[r-2], dst.Shape[r-1], a.Shape[r-1]
	batch := func(s backend.Strided) backend.Strided {
		return backend.Strided{Shape: s.Shape[:r-2], Strides: s.Strides[:r-2]}
	}
	it := newIter(dst.Shape[:r-2], batch(dst), batch(a), batch(x))
	d, av, xv := data(dst.Buf), data(a.Buf), data(x.Buf)
	it.walk(0, it.size, func(_ int, off *[maxOps]int, cnt int) {
		for i := 0; i < cnt; i++ {
			lhs := dense(av, a.Offset+off[1]+i*it.inner(1), m, k, a.Strides[r-2], a.Strides[r-1])
			rhs := dense(xv, x.Offset+off[2]+i*it.inner(2), k, n, x.Strides[r-2], x.Strides[r-1])
			out := gemm.Matrix{Data: d, Off: dst.Offset + off[0] + i*it.inner(0), RS: dst.Strides[r-2], CS: dst.Strides[r-1]}
			reducedProduct(m, n, k, lhs, rhs, out, accumulate, p)
		}
	})
}

// dense copies the rows×cols matrix at off (row stride rs, column stride
// cs) of buf into a new row-major slice, rows in parallel.
func dense(buf []float32, off, rows, cols, rs, cs int) []float32 {
	out := make([]float32, rows*cols)
	parallelFor(rows, max(1, parallelMin/max(cols, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := range cols {
				out[i*cols+j] = buf[off+i*rs+j*cs]
			}
		}
	})
	return out
}

// reducedProduct sets out = a·b (+= with accumulate) for the row-major
// m×k a and k×n b at precision p (Medium or High).
func reducedProduct(m, n, k int, a, b []float32, out gemm.Matrix, accumulate bool, p backend.Precision) {
	rowScale := make([]float32, m) // a's row i is divided by rowScale[i]
	parallelFor(m, max(1, parallelMin/max(k, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rowScale[i] = scaleOf(maxFinite(a[i*k:(i+1)*k], 0))
		}
	})
	// b's column maxima, a row at a time (a pass in memory order)
	colScale := make([]float32, n)
	parallelFor(n, max(1, parallelMin/max(k, 1)), func(lo, hi int) {
		for l := range k {
			row := b[l*n : (l+1)*n]
			for j := lo; j < hi; j++ {
				if ax := float32(math.Abs(float64(row[j]))); ax > colScale[j] && !math.IsInf(float64(ax), 0) {
					colScale[j] = ax
				}
			}
		}
		for j := lo; j < hi; j++ {
			colScale[j] = scaleOf(colScale[j])
		}
	})
	aHi, aLo := split(a, k, func(i int) float32 { return rowScale[i] }, false)
	bHi, bLo := split(b, n, func(j int) float32 { return colScale[j] }, true)
	mat := func(v []float32, cols int) gemm.Matrix { return gemm.Matrix{Data: v, RS: cols, CS: 1} }
	acc := make([]float32, m*n)
	gemm.Sgemm(m, n, k, mat(aHi, k), mat(bHi, n), mat(acc, n), false)
	if p == backend.PrecisionHigh {
		// The two correction products are summed apart from the main one
		// and scaled back by 2^-11 before they join it, as the kernel adds
		// them outside the tensor-core accumulator.
		corr := make([]float32, m*n)
		gemm.Sgemm(m, n, k, mat(aHi, k), mat(bLo, n), mat(corr, n), false)
		gemm.Sgemm(m, n, k, mat(aLo, k), mat(bHi, n), mat(corr, n), true)
		for i := range acc {
			acc[i] += corr[i] * (1.0 / 2048)
		}
	}
	parallelFor(m, max(1, parallelMin/max(n, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := range n {
				v := acc[i*n+j] * rowScale[i] * colScale[j]
				at := out.Off + i*out.RS + j*out.CS
				if accumulate {
					out.Data[at] += v
				} else {
					out.Data[at] = v
				}
			}
		}
	})
}

// maxFinite is the largest finite |x| of v, at least big.
func maxFinite(v []float32, big float32) float32 {
	for _, x := range v {
		if ax := float32(math.Abs(float64(x))); ax > big && !math.IsInf(float64(ax), 0) {
			big = ax
		}
	}
	return big
}

// scaleOf is the power of two s for which big/s lies in [2^14, 2^15) (big
// the largest finite magnitude of a row or column), or 1 for big = 0.
func scaleOf(big float32) float32 {
	if big == 0 {
		return 1
	}
	_, e := math.Frexp(float64(big)) // big = f·2^e, f in [0.5, 1)
	return float32(math.Ldexp(1, e-15))
}

// split divides each element of the row-major matrix v (cols columns) by
// its row's scale (or its column's, with byCol) and returns the float16
// high part and the scaled low part: v/s ≈ hi + lo·2^-11. Rows in
// parallel; the roundings are half's float16 conversions (F16C where the
// CPU has it), which round to nearest, ties to even, as RoundFloat16.
func split(v []float32, cols int, scale func(int) float32, byCol bool) (hi, lo []float32) {
	hi, lo = make([]float32, len(v)), make([]float32, len(v))
	rows := len(v) / max(cols, 1)
	parallelFor(rows, max(1, parallelMin/max(cols, 1)), func(r0, r1 int) {
		bits := make([]uint16, cols)
		for r := r0; r < r1; r++ {
			y, h, l := v[r*cols:(r+1)*cols], hi[r*cols:(r+1)*cols], lo[r*cols:(r+1)*cols]
			for j, x := range y {
				if byCol {
					h[j] = x / scale(j)
				} else {
					h[j] = x / scale(r)
				}
			}
			copy(l, h) // the scaled values, until their high parts are known
			half.F16s(bits, h)
			half.F16sToFloat32(h, bits)
			for j := range l {
				l[j] = (l[j] - h[j]) * 2048
			}
			half.F16s(bits, l)
			half.F16sToFloat32(l, bits)
		}
	})
	return hi, lo
}

// RoundFloat16 rounds x to the nearest float16 value (ties to even),
// returned as a float32: ±Inf beyond float16's range, subnormals below
// 2^-14, NaN for NaN.
func RoundFloat16(x float32) float32 {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return x
	}
	a := math.Abs(f)
	if a >= 65520 { // halfway between the largest float16 (65504) and 2^16
		return float32(math.Copysign(math.Inf(1), f))
	}
	// The spacing of float16 values around a: 2^(e-11) for normals
	// (e = exponent with a in [2^(e-1), 2^e)), 2^-24 for subnormals.
	_, e := math.Frexp(a)
	ulp := math.Ldexp(1, max(e-11, -24))
	q := a / ulp // exact: a power-of-two division
	r := math.RoundToEven(q)
	return float32(math.Copysign(r*ulp, f))
}
