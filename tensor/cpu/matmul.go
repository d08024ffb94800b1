package cpu

import (
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/gemm"
)

// MatMul computes dst = a·b (or dst += a·b) for every batch index.
func (be *Backend) MatMul(dst, a, b backend.Strided, accumulate bool) {
	if widen16([]backend.Strided{dst, a, b}, 1, func(w []backend.Strided) { be.MatMul(w[0], w[1], w[2], accumulate) }) {
		return
	}
	r := len(dst.Shape)
	m, n, k := dst.Shape[r-2], dst.Shape[r-1], a.Shape[r-1]
	d, x, y := data(dst.Buf), data(a.Buf), data(b.Buf)
	batch := func(s backend.Strided) backend.Strided {
		return backend.Strided{Shape: s.Shape[:r-2], Strides: s.Strides[:r-2]}
	}
	it := newIter(dst.Shape[:r-2], batch(dst), batch(a), batch(b))
	mat := func(buf []float32, s backend.Strided, off int) gemm.Matrix {
		return gemm.Matrix{Data: buf, Off: s.Offset + off, RS: s.Strides[r-2], CS: s.Strides[r-1]}
	}
	one := func(off *[maxOps]int) {
		gemm.Sgemm(m, n, k, mat(x, a, off[1]), mat(y, b, off[2]), mat(d, dst, off[0]), accumulate)
	}
	// Small products in a large batch run side by side; large ones run one
	// after another, each spread over all cores by gemm.
	if it.size > 1 && m*n*k < 1<<18 {
		parallelFor(it.size, 2, func(lo, hi int) {
			it.walk(lo, hi, func(_ int, off *[maxOps]int, cnt int) {
				for i := 0; i < cnt; i++ {
					o := [maxOps]int{off[0] + i*it.inner(0), off[1] + i*it.inner(1), off[2] + i*it.inner(2)}
					one(&o)
				}
			})
		})
		return
	}
	it.walk(0, it.size, func(_ int, off *[maxOps]int, cnt int) {
		for i := 0; i < cnt; i++ {
			o := [maxOps]int{off[0] + i*it.inner(0), off[1] + i*it.inner(1), off[2] + i*it.inner(2)}
			one(&o)
		}
	})
}
