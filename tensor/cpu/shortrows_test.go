package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// poolLayout returns the operands of a 2×2 max pool's gradient over an
// [n, c, h, w] input: x contiguous seen as [n, c, h/2, 2, w/2, 2], and
// the pooled [n, c, h/2, w/2] broadcast over both window axes.
func poolLayout(n, c, h, w int) (shape, xs, ps []int) {
	shape = []int{n, c, h / 2, 2, w / 2, 2}
	xs = []int{c * h * w, h * w, 2 * w, w, 2, 1}
	ho, wo := h/2, w/2
	ps = []int{c * ho * wo, ho * wo, wo, 0, 1, 0}
	return shape, xs, ps
}

// TestBinaryShortInner checks Binary where the inner axis is short (the
// max pool's windows, a transposed view with 3 columns, a 1-column
// strided view) for every op against the scalar definition, both operand
// orders, over sizes on both sides of the parallel split.
func TestBinaryShortInner(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(9, 10))
	type tc struct {
		name         string
		shape        []int
		as, bs       []int
		asize, bsize int
	}
	var cases []tc
	for _, s := range [][4]int{{1, 1, 2, 2}, {2, 3, 6, 10}, {16, 32, 28, 28}} {
		shape, xs, ps := poolLayout(s[0], s[1], s[2], s[3])
		nx, np := s[0]*s[1]*s[2]*s[3], s[0]*s[1]*s[2]*s[3]/4
		cases = append(cases,
			tc{fmt.Sprintf("pool%v", s), shape, xs, ps, nx, np},
			tc{fmt.Sprintf("pool%v-swapped", s), shape, ps, xs, np, nx})
	}
	cases = append(cases,
		tc{"transposed-3", []int{500, 3}, []int{1, 500}, []int{3, 1}, 1500, 1500},
		tc{"column-1", []int{70000, 1}, []int{2, 1}, []int{0, 0}, 140000, 1},
		tc{"inner-4", []int{9, 5, 4}, []int{20, 4, 1}, []int{1, 0, 9}, 180, 36},
		tc{"empty", []int{3, 0, 2}, []int{2, 2, 1}, []int{1, 0, 0}, 1, 3})
	for op := backend.BinaryOp(0); int(op) < backend.NumBinary; op++ {
		f := binaryFunc(op)
		for _, c := range cases {
			x := randLayoutData(rng, c.asize)
			y := randLayoutData(rng, c.bsize)
			size := 1
			for _, d := range c.shape {
				size *= d
			}
			ds := make([]int, len(c.shape))
			for i, st := len(c.shape)-1, 1; i >= 0; i-- {
				ds[i], st = st, st*c.shape[i]
			}
			out := make([]float32, size+1)
			out[size] = 42
			be.Binary(op, strided(out, 0, c.shape, ds), strided(x, 0, c.shape, c.as), strided(y, 0, c.shape, c.bs))
			idx := make([]int, len(c.shape))
			for lin := 0; lin < size; lin++ {
				ia, ib := 0, 0
				for i := range idx {
					ia += idx[i] * c.as[i]
					ib += idx[i] * c.bs[i]
				}
				if w := f(x[ia], y[ib]); !sameFloat(out[lin], w) {
					t.Fatalf("op%d/%s: element %d (index %v) = %v, want %v", op, c.name, lin, idx, out[lin], w)
				}
				for i := len(idx) - 1; i >= 0; i-- {
					if idx[i]++; idx[i] < c.shape[i] {
						break
					}
					idx[i] = 0
				}
			}
			if out[size] != 42 {
				t.Fatalf("op%d/%s: wrote past the destination", op, c.name)
			}
		}
	}
}

// BenchmarkBinaryPool times the max pool gradient's comparison and product
// at the MNIST CNN's first pool ([256, 32, 28, 28], batch 256).
func BenchmarkBinaryPool(b *testing.B) {
	be := New()
	shape, xs, ps := poolLayout(256, 32, 28, 28)
	n := 256 * 32 * 28 * 28
	x, p, out := make([]float32, n), make([]float32, n/4), make([]float32, n)
	ds := []int{32 * 28 * 28, 28 * 28, 2 * 28, 28, 2, 1}
	for _, op := range []backend.BinaryOp{backend.Eq, backend.Mul} {
		b.Run(fmt.Sprintf("op%d", op), func(b *testing.B) {
			for range b.N {
				be.Binary(op, strided(out, 0, shape, ds), strided(x, 0, shape, xs), strided(p, 0, shape, ps))
			}
			b.ReportMetric(float64(n)*4*2.25*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
