package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// TestConvChunks checks the direct convolutions against the float64
// definitions with chunks of every size from one image to the whole
// batch, operands strided (a transposed weight and weight gradient, whose
// axes do not merge, take the copying paths).
func TestConvChunks(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(5, 6))
	saved := convChunkElems
	defer func() { convChunkElems = saved }()
	type conf struct{ n, c, h, w, o, k, s, p int }
	for _, c := range []conf{{5, 3, 7, 6, 4, 3, 1, 1}, {3, 2, 9, 9, 5, 5, 2, 2}, {4, 1, 5, 5, 2, 1, 1, 0}, {2, 0, 4, 4, 3, 3, 1, 1}} {
		ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
		fill := func(shape []int, transpose bool) (backend.Strided, []float64) {
			n := 1
			for _, d := range shape {
				n *= d
			}
			buf := newBuffer(backend.Float32, n)
			vals := make([]float64, n)
			s := contiguous(buf, shape)
			if transpose { // axes stored in reverse order
				m := 1
				for i := range shape {
					s.Strides[i] = m
					m *= shape[i]
				}
			}
			for i := range buf.f {
				buf.f[i] = float32(rng.NormFloat64())
			}
			// vals in row-major order of shape
			idx := make([]int, len(shape))
			for i := range vals {
				r, off := i, 0
				for a := len(shape) - 1; a >= 0; a-- {
					idx[a] = r % shape[a]
					r /= shape[a]
					off += idx[a] * s.Strides[a]
				}
				vals[i] = float64(buf.f[off])
			}
			return s, vals
		}
		xs, ws, ys := []int{c.n, c.c, c.h, c.w}, []int{c.o, c.c, c.k, c.k}, []int{c.n, c.o, ho, wo}
		x, xv := fill(xs, false)
		w, wv := fill(ws, true)
		gy, gv := fill(ys, false)
		b, bv := fill([]int{c.o}, false)
		// float64 definitions
		wantY, wantDX, wantDW := make([]float64, len(gv)), make([]float64, len(xv)), make([]float64, len(wv))
		for n := 0; n < c.n; n++ {
			for o := 0; o < c.o; o++ {
				for y := 0; y < ho; y++ {
					for q := 0; q < wo; q++ {
						yi := ((n*c.o+o)*ho+y)*wo + q
						s := bv[o]
						for ch := 0; ch < c.c; ch++ {
							for i := 0; i < c.k; i++ {
								for j := 0; j < c.k; j++ {
									h, ww := y*c.s+i-c.p, q*c.s+j-c.p
									if h < 0 || h >= c.h || ww < 0 || ww >= c.w {
										continue
									}
									wi, xi := ((o*c.c+ch)*c.k+i)*c.k+j, ((n*c.c+ch)*c.h+h)*c.w+ww
									s += wv[wi] * xv[xi]
									wantDX[xi] += gv[yi] * wv[wi]
									wantDW[wi] += gv[yi] * xv[xi]
								}
							}
						}
						wantY[yi] = s
					}
				}
			}
		}
		check := func(what string, got backend.Strided, want []float64, kk int) {
			t.Helper()
			n := len(want)
			raw := make([]float32, n)
			dst := contiguous(&buffer{dt: backend.Float32, f: raw}, got.Shape)
			be.Copy(dst, got)
			for i, v := range raw {
				if d := math.Abs(float64(v) - want[i]); d > 1e-5*float64(kk+1)*(1+math.Abs(want[i])) {
					t.Errorf("%s: element %d is %v, want %v", what, i, v, want[i])
					return
				}
			}
		}
		for _, chunk := range []int{1, 2, c.n} {
			convChunkElems = chunk * c.c * c.k * c.k * ho * wo
			name := fmt.Sprintf("%+v/chunk %d", c, chunk)
			y := contiguous(newBuffer(backend.Float32, len(gv)), ys)
			be.Conv2d(y, x, w, b, c.s, c.p)
			check(name+" forward", y, wantY, c.c*c.k*c.k)
			dx := contiguous(newBuffer(backend.Float32, len(xv)), xs)
			be.Conv2dInputGrad(dx, gy, w, c.s, c.p)
			check(name+" input gradient", dx, wantDX, c.o*c.k*c.k)
			dw, _ := fill(ws, true) // strided, prefilled: every element must be overwritten
			be.Conv2dWeightGrad(dw, x, gy, c.s, c.p)
			check(name+" weight gradient", dw, wantDW, c.n*ho*wo)
		}
	}
}
