package tensor

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUnfold checks Unfold against its definition and its gradient against
// the adjoint identity <Unfold(x), c> = <x, Unfold'(c)>, which holds exactly
// in float64 for sums of products of small integers.
func TestUnfold(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type conf struct{ n, ch, h, w, k, s, p int }
	cases := []conf{
		{1, 1, 5, 5, 3, 1, 0}, {2, 3, 7, 9, 3, 1, 1}, {1, 2, 33, 7, 5, 2, 2}, {2, 1, 4, 6, 2, 2, 0}, {1, 1, 1, 1, 3, 1, 1},
	}
	for len(cases) < 40 { // random kernels, strides and paddings, including padding wider than the kernel
		c := conf{1 + r.IntN(2), 1 + r.IntN(3), 1 + r.IntN(12), 1 + r.IntN(12), 1 + r.IntN(5), 1 + r.IntN(3), r.IntN(4)}
		if c.h+2*c.p >= c.k && c.w+2*c.p >= c.k {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		xs := make([]float32, c.n*c.ch*c.h*c.w)
		for i := range xs {
			xs[i] = float32(r.IntN(7) - 3)
		}
		x := FromSlice(xs, c.n, c.ch, c.h, c.w).SetRequiresGrad(true)
		got := x.Unfold(c.k, c.s, c.p)
		ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
		want := []int{c.n, c.ch * c.k * c.k, ho * wo}
		if !slices.Equal(got.Shape(), want) {
			t.Fatalf("%+v: shape %v, want %v", c, got.Shape(), want)
		}
		gd, _ := got.Data()
		cw := make([]float32, len(gd))
		for i := range cw {
			cw[i] = float32(r.IntN(5) - 2)
		}
		var dot float64
		for b := 0; b < c.n; b++ {
			for ch := 0; ch < c.ch; ch++ {
				for i := 0; i < c.k; i++ {
					for j := 0; j < c.k; j++ {
						for y := 0; y < ho; y++ {
							for xx := 0; xx < wo; xx++ {
								h, w := y*c.s+i-c.p, xx*c.s+j-c.p
								v := float32(0)
								if h >= 0 && h < c.h && w >= 0 && w < c.w {
									v = xs[((b*c.ch+ch)*c.h+h)*c.w+w]
								}
								at := ((b*c.ch+ch)*c.k*c.k+i*c.k+j)*ho*wo + y*wo + xx
								if gd[at] != v {
									t.Fatalf("%+v: element (%d,%d,%d,%d,%d,%d) = %v, want %v", c, b, ch, i, j, y, xx, gd[at], v)
								}
								dot += float64(v) * float64(cw[at])
							}
						}
					}
				}
			}
		}
		// Im2Col is the same patches with the batch moved inside the columns.
		m := x.Im2Col(c.k, c.s, c.p)
		perm := got.Reshape(c.n, c.ch*c.k*c.k, ho*wo).Permute(1, 0, 2).Reshape(c.ch*c.k*c.k, c.n*ho*wo)
		md, _ := m.Data()
		pd, _ := perm.Data()
		for i := range md {
			if md[i] != pd[i] {
				t.Fatalf("%+v: Im2Col element %d = %v, want %v", c, i, md[i], pd[i])
			}
		}
		loss := got.Mul(FromSlice(cw, want...)).Sum().Add(m.Sum().MulScalar(0))
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
		g, _ := x.Grad().Data()
		var back float64
		for i := range g {
			back += float64(g[i]) * float64(xs[i])
		}
		if back != dot {
			t.Errorf("%+v: <x, grad> = %v, want <Unfold(x), c> = %v", c, back, dot)
		}
	}
}

func TestUnfoldErrors(t *testing.T) {
	for _, f := range []func(){
		func() { Zeros(2, 3, 4).Unfold(3, 1, 0) },
		func() { Zeros(1, 1, 2, 2).Unfold(3, 1, 0) },
		func() { Zeros(1, 1, 4, 4).Unfold(3, 0, 0) },
	} {
		func() {
			defer func() {
				var se *ShapeError
				if e, ok := recover().(error); !ok || !errors.As(e, &se) {
					t.Errorf("panic %v, want *ShapeError", e)
				}
			}()
			f()
		}()
	}
}
