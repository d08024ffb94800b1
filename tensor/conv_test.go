package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
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

// convCase is one Conv2d geometry of the tests.
type convCase struct{ n, c, h, w, o, k, s, p int }

func (c convCase) out() (int, int) { return (c.h+2*c.p-c.k)/c.s + 1, (c.w+2*c.p-c.k)/c.s + 1 }

// convCases are the fixed geometries (a 1×1 image, a 1×1 kernel, an empty
// batch, no output channels, strides above 1, padding wider than the
// kernel's reach, MNIST's two layers) and random ones.
func convCases(r *rand.Rand, random int) []convCase {
	cs := []convCase{
		{1, 1, 1, 1, 1, 1, 1, 0}, {2, 3, 7, 9, 5, 3, 1, 1}, {1, 2, 9, 6, 3, 5, 2, 2}, {2, 4, 8, 7, 3, 2, 2, 0},
		{1, 3, 10, 11, 2, 3, 3, 2}, {3, 2, 5, 5, 4, 1, 1, 0}, {1, 2, 4, 4, 3, 3, 1, 3}, {0, 2, 5, 5, 3, 3, 1, 1},
		{2, 3, 5, 5, 0, 3, 1, 1}, {2, 1, 28, 28, 8, 3, 1, 1}, {2, 8, 14, 14, 16, 3, 1, 1},
		{2, 16, 9, 9, 5, 3, 1, 1}, {1, 17, 6, 7, 3, 2, 2, 1}, // direct input gradients (16 channels and more)
		{1, 0, 4, 4, 3, 3, 1, 1}, // no input channels
	}
	for len(cs) < len(cs)+random && random > 0 {
		c := convCase{1 + r.IntN(3), 1 + r.IntN(4), 1 + r.IntN(10), 1 + r.IntN(10), 1 + r.IntN(6), 1 + r.IntN(4), 1 + r.IntN(3), r.IntN(3)}
		if c.h+2*c.p >= c.k && c.w+2*c.p >= c.k {
			cs = append(cs, c)
			random--
		}
	}
	return cs
}

// refConv2d is the definition in float64: y[n, o, y, x] = b[o] +
// Σ w[o, c, i, j]·x[n, c, y·s+i−p, x·s+j−p], the padding zero.
func refConv2d(c convCase, x, w, b *nd) *nd {
	ho, wo := c.out()
	y := ndZeros(c.n, c.o, ho, wo)
	forEachIndex(y.shape, func(idx []int) {
		s := 0.0
		if b != nil {
			s = b.data[idx[1]]
		}
		for ch := 0; ch < c.c; ch++ {
			for i := 0; i < c.k; i++ {
				for j := 0; j < c.k; j++ {
					h, q := idx[2]*c.s+i-c.p, idx[3]*c.s+j-c.p
					if h >= 0 && h < c.h && q >= 0 && q < c.w {
						s += w.at([]int{idx[1], ch, i, j}) * x.at([]int{idx[0], ch, h, q})
					}
				}
			}
		}
		y.set(idx, s)
	})
	return y
}

// refConv2dGrads are the gradients of Σ g·Conv2d(x, w, b) from the
// definition: dx and dw by the chain rule through every tap, db the sums
// of g over images and positions.
func refConv2dGrads(c convCase, x, w, g *nd) (dx, dw, db *nd) {
	dx, dw, db = ndZeros(x.shape...), ndZeros(w.shape...), ndZeros(c.o)
	forEachIndex(g.shape, func(idx []int) {
		gv := g.at(idx)
		db.data[idx[1]] += gv
		for ch := 0; ch < c.c; ch++ {
			for i := 0; i < c.k; i++ {
				for j := 0; j < c.k; j++ {
					h, q := idx[2]*c.s+i-c.p, idx[3]*c.s+j-c.p
					if h >= 0 && h < c.h && q >= 0 && q < c.w {
						xi, wi := []int{idx[0], ch, h, q}, []int{idx[1], ch, i, j}
						dx.set(xi, dx.at(xi)+gv*w.at(wi))
						dw.set(wi, dw.at(wi)+gv*x.at(xi))
					}
				}
			}
		}
	})
	return dx, dw, db
}

// convTol is the norm-scaled bound of float32 sums of kk products of
// magnitudes at most ma and mb, plus one unit of dt at the value.
func convTol(kk int, ma, mb float64, dt DType, want *nd) func(i int) float64 {
	return func(i int) float64 {
		return 4*float64(kk)*ma*mb/(1<<23) + ulpDT(dt, want.data[i]) + 1e-30
	}
}

func maxAbsND(a *nd) float64 {
	m := 0.0
	for _, v := range a.data {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// TestConv2d checks Conv2d and its three gradients on the default device
// against the float64 definitions, on fixed and random geometries, with
// and without bias, the images in every layout, in float32 and the 16-bit
// dtypes (whose operands are rounded first: the reference takes the
// rounded values).
func TestConv2d(t *testing.T) {
	r := newRand(11)
	for ci, c := range convCases(r, iters(20)) {
		for _, dt := range []DType{Float32, Float16, BFloat16} {
			if dt != Float32 && ci%3 != 0 {
				continue
			}
			lay := layout(ci % int(numLayouts))
			bias := ci%2 == 0
			name := caseName("%+v/%v/%v/bias=%v", c, dt, lay, bias)
			ho, wo := c.out()
			xa := randND(r, []int{c.n, c.c, c.h, c.w}, vNormal)
			wa := randND(r, []int{c.o, c.c, c.k, c.k}, vNormal)
			ga := randND(r, []int{c.n, c.o, ho, wo}, vNormal)
			x, _ := makeTensorAs(r, xa, lay, dt)
			w := fromND(wa).AsType(dt)
			// the operands as the dtype holds them
			xa, wa, ga = toND(x.AsType(Float32)), toND(w.AsType(Float32)), toND(fromND(ga).AsType(dt).AsType(Float32))
			x.SetRequiresGrad(true)
			w.SetRequiresGrad(true)
			var b *Tensor
			var ba *nd
			if bias {
				b = fromND(randND(r, []int{c.o}, vNormal)).AsType(dt).SetRequiresGrad(true)
				ba = toND(b.AsType(Float32))
			}
			y := x.Conv2d(w, b, c.s, c.p)
			want := refConv2d(c, xa, wa, ba)
			kk := c.c * c.k * c.k
			if !checkTol(t, name+" forward", y.AsType(Float32), want, convTol(kk+1, maxAbsND(xa)+1, maxAbsND(wa)+1, dt, want)) {
				continue
			}
			if y.DType() != dt {
				t.Errorf("%s: dtype %v", name, y.DType())
			}
			if y.Size() == 0 {
				continue
			}
			g := fromND(ga).AsType(dt)
			if err := y.BackwardWith(g); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			dx, dw, db := refConv2dGrads(c, xa, wa, ga)
			checkTol(t, name+" dx", x.Grad().AsType(Float32), dx, convTol(c.o*c.k*c.k, maxAbsND(ga), maxAbsND(wa), dt, dx))
			checkTol(t, name+" dw", w.Grad().AsType(Float32), dw, convTol(c.n*ho*wo, maxAbsND(ga), maxAbsND(xa), dt, dw))
			if bias {
				checkTol(t, name+" db", b.Grad().AsType(Float32), db, convTol(c.n*ho*wo, maxAbsND(ga), 1, dt, db))
			}
		}
	}
}

// TestConv2dErrors checks the shape panics and the promotion of mixed
// dtypes.
func TestConv2dErrors(t *testing.T) {
	x, w := Zeros(1, 2, 5, 5), Zeros(3, 2, 3, 3)
	expectShapeError(t, "rank", func() { x.Reshape(2, 5, 5).Conv2d(w, nil, 1, 0) }, "Conv2d", "images")
	expectShapeError(t, "kernel", func() { x.Conv2d(Zeros(3, 2, 3, 2), nil, 1, 0) }, "3×2 kernel")
	expectShapeError(t, "channels", func() { x.Conv2d(Zeros(3, 1, 3, 3), nil, 1, 0) }, "2 input channels")
	expectShapeError(t, "bias", func() { x.Conv2d(w, Zeros(2), 1, 0) }, "bias", "[3]")
	expectShapeError(t, "stride", func() { x.Conv2d(w, nil, 0, 0) }, "stride 0")
	expectShapeError(t, "small", func() { Zeros(1, 2, 2, 5).Conv2d(w, nil, 1, 0) }, "2×5", "smaller")
	if y := x.AsType(BFloat16).Conv2d(w, nil, 1, 1); y.DType() != Float32 || !slices.Equal(y.Shape(), []int{1, 3, 5, 5}) {
		t.Errorf("bfloat16 images, float32 weight: %v %v, want float32 [1 3 5 5]", y.DType(), y.Shape())
	}
	if y := x.AsType(Int32).Conv2d(w.AsType(Int32), nil, 2, 0); y.DType() != Float32 || !slices.Equal(y.Shape(), []int{1, 3, 2, 2}) {
		t.Errorf("int32 operands: %v %v, want float32 [1 3 2 2]", y.DType(), y.Shape())
	}
}

// TestGradConv2d checks Conv2d's gradients against finite differences.
func TestGradConv2d(t *testing.T) {
	conv := func(s, p int) func(x []*Tensor) *Tensor {
		return func(x []*Tensor) *Tensor { return x[0].Conv2d(x[1], x[2], s, p) }
	}
	cases := []agCase{
		{name: "same", shapes: [][]int{{2, 2, 4, 5}, {3, 2, 3, 3}, {3}}, f: conv(1, 1)},
		{name: "strided", shapes: [][]int{{1, 3, 7, 6}, {2, 3, 2, 2}, {2}}, f: conv(2, 0)},
		{name: "wide-padding", shapes: [][]int{{1, 1, 3, 3}, {2, 1, 3, 3}, {2}}, f: conv(3, 3)},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(900+i), c) })
	}
}

// TestConv2dGeneralPath runs TestConv2d on a CPU device whose backend
// hides its direct convolutions: the general path (Im2Col and MatMul).
func TestConv2dGeneralPath(t *testing.T) {
	prev := Default()
	SetDefault(On(struct{ backend.Backend }{CPU().Backend()}))
	defer SetDefault(prev)
	TestConv2d(t)
}
