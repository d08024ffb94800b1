package tensor

import (
	"math"
	"slices"
	"testing"
)

// refLayerNorm is LayerNorm and its gradients in float64 from the float32
// inputs: x is rows×c, w the gradient of the result, gamma and beta nil
// for none.
func refLayerNorm(x []float32, rows, c int, gamma, beta []float32, eps float32, w []float32) (y, dx, dg, db []float64) {
	y, dx = make([]float64, rows*c), make([]float64, rows*c)
	dg, db = make([]float64, c), make([]float64, c)
	for r := range rows {
		row := x[r*c : (r+1)*c]
		var m, v float64
		for _, e := range row {
			m += float64(e)
		}
		m /= float64(c)
		for _, e := range row {
			v += (float64(e) - m) * (float64(e) - m)
		}
		rs := 1 / math.Sqrt(v/float64(c)+float64(eps))
		xh := make([]float64, c)
		dy := make([]float64, c)
		var a, b float64
		for j, e := range row {
			xh[j] = (float64(e) - m) * rs
			gj, bj := 1.0, 0.0
			if gamma != nil {
				gj = float64(gamma[j])
			}
			if beta != nil {
				bj = float64(beta[j])
			}
			y[r*c+j] = xh[j]*gj + bj
			dy[j] = float64(w[r*c+j]) * gj
			a += dy[j]
			b += dy[j] * xh[j]
			dg[j] += float64(w[r*c+j]) * xh[j]
			db[j] += float64(w[r*c+j])
		}
		for j := range c {
			dx[r*c+j] = rs * (dy[j] - a/float64(c) - xh[j]*b/float64(c))
		}
	}
	return
}

// closeTo64 compares got with want within tol relative to max(1, |want|),
// NaN matching NaN.
func closeTo64(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), want[i]
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if !(math.Abs(g-w) <= tol*max(1, math.Abs(w))) {
			t.Errorf("%s: element %d: %v, want %v", what, i, got[i], w)
			return
		}
	}
}

type lnCase struct {
	shape        []int // of x
	affine       bool
	transposed   bool // x given as the transpose of a contiguous tensor (rank 2)
	eps          float32
	gradGammaOff bool // gamma and beta without gradients
}

var lnCases = []lnCase{
	{shape: []int{5, 7}, affine: true, eps: 1e-5},
	{shape: []int{1, 1}, affine: true, eps: 1e-5},
	{shape: []int{6, 1}, affine: true, eps: 1e-3},
	{shape: []int{3}, affine: true, eps: 1e-5},
	{shape: []int{2, 3, 33}, affine: true, eps: 1e-5},
	{shape: []int{4, 64}, affine: false, eps: 1e-5},
	{shape: []int{7, 129}, affine: true, eps: 0.5},
	{shape: []int{9, 5}, affine: true, transposed: true, eps: 1e-5},
	{shape: []int{3, 300}, affine: true, eps: 1e-5, gradGammaOff: true},
	{shape: []int{0, 4}, affine: true, eps: 1e-5},
	{shape: []int{3, 0}, affine: true, eps: 1e-5},
	{shape: []int{2, 1030}, affine: true, eps: 1e-6},
}

// lnRun runs LayerNorm of case c on d from the values xv (row-major in
// c.shape), gv, bv, backpropagates w and returns y and the gradients of x,
// gamma and beta (nil where none).
func lnRun(t *testing.T, d *Device, c lnCase, xv, gv, bv, w []float32) (y, dx, dg, db []float32) {
	t.Helper()
	var x, leaf *Tensor
	if c.transposed {
		s := slices.Clone(c.shape)
		s[0], s[1] = s[1], s[0]
		tv := make([]float32, len(xv))
		for i := range c.shape[0] {
			for j := range c.shape[1] {
				tv[j*c.shape[0]+i] = xv[i*c.shape[1]+j]
			}
		}
		leaf = d.FromSlice(tv, s...).SetRequiresGrad(true)
		x = leaf.T()
	} else {
		leaf = d.FromSlice(xv, c.shape...).SetRequiresGrad(true)
		x = leaf
	}
	var g, b *Tensor
	n := c.shape[len(c.shape)-1]
	if c.affine {
		g = d.FromSlice(gv, n).SetRequiresGrad(!c.gradGammaOff)
		b = d.FromSlice(bv, n).SetRequiresGrad(!c.gradGammaOff)
	}
	out := LayerNorm(x, g, b, c.eps)
	if !slices.Equal(out.Shape(), c.shape) {
		t.Fatalf("LayerNorm %v: result shape %v", c.shape, out.Shape())
	}
	y = readData(t, out)
	if err := out.Mul(d.FromSlice(w, c.shape...)).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	dx = readData(t, leaf.Grad())
	if c.transposed { // back to x's layout
		dx = readData(t, leaf.Grad().T().Contiguous())
	}
	if c.affine && !c.gradGammaOff {
		dg, db = readData(t, g.Grad()), readData(t, b.Grad())
	}
	return
}

// TestLayerNorm compares the fused CPU LayerNorm and the composed fallback,
// values and gradients, with the float64 reference.
func TestLayerNorm(t *testing.T) {
	r := newRand(41)
	plain := On(plainBackend{CPU().Backend()})
	for _, c := range lnCases {
		n := prod(c.shape)
		C := c.shape[len(c.shape)-1]
		rows := 0
		if C > 0 {
			rows = n / C
		}
		xv, w := randSlice(r, n), randSlice(r, n)
		for i := range xv {
			xv[i] = xv[i]*3 + 2 // off-centre rows
		}
		gv, bv := randSlice(r, C), randSlice(r, C)
		var rg, rb []float32
		if c.affine {
			rg, rb = gv, bv
		}
		ry, rdx, rdg, rdb := refLayerNorm(xv, rows, C, rg, rb, c.eps, w)
		for _, k := range []struct {
			name string
			d    *Device
			tol  float64
		}{{"fused", CPU(), 2e-7}, {"composed", plain, 1e-5}} {
			y, dx, dg, db := lnRun(t, k.d, c, xv, gv, bv, w)
			what := caseName("%s %v affine=%v T=%v eps=%g", k.name, c.shape, c.affine, c.transposed, c.eps)
			closeTo64(t, what+" y", y, ry, k.tol)
			// The gradients of the composed form take several roundings.
			gtol := max(k.tol, 2e-6)
			if k.name == "composed" {
				gtol = 3e-4
			}
			closeTo64(t, what+" dx", dx, rdx, gtol)
			if dg != nil {
				closeTo64(t, what+" dgamma", dg, rdg, gtol)
				closeTo64(t, what+" dbeta", db, rdb, gtol)
			}
		}
	}
}

// TestLayerNormNonFinite checks that rows holding NaN or ±Inf normalize to
// NaN on both paths while the other rows are untouched.
func TestLayerNormNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	xv := []float32{1, 2, 3, 4, 5, float32(math.NaN()), 7, 8, 1, inf, 3, 4, 1, 2, -inf, 4}
	ref, _, _, _ := refLayerNorm(xv, 4, 4, nil, nil, 1e-5, make([]float32, 16))
	for _, d := range []*Device{CPU(), On(plainBackend{CPU().Backend()})} {
		y := readData(t, LayerNorm(d.FromSlice(xv, 4, 4), nil, nil, 1e-5))
		for i, v := range y {
			if nan := i >= 4; nan != math.IsNaN(float64(v)) {
				t.Errorf("element %d: %v (rows 1 to 3 hold a NaN or an infinity)", i, v)
			}
		}
		closeTo64(t, "finite row", y[:4], ref[:4], 1e-6)
	}
}

func TestGradLayerNorm(t *testing.T) {
	ln := func(x []*Tensor) *Tensor { return LayerNorm(x[0], x[1], x[2], 1e-5) }
	agCheck(t, 960, agCase{name: "ln", shapes: [][]int{{4, 6}, {6}, {6}}, f: ln})
	agCheck(t, 961, agCase{name: "ln-rank3", shapes: [][]int{{2, 3, 5}, {5}, {5}}, f: ln})
	agCheck(t, 962, agCase{name: "ln-T", shapes: [][]int{{5, 4}, {5}, {5}}, f: func(x []*Tensor) *Tensor { return ln([]*Tensor{x[0].T(), x[1], x[2]}) }})
	agCheck(t, 963, agCase{name: "ln-noaffine", shapes: [][]int{{3, 7}}, f: func(x []*Tensor) *Tensor { return LayerNorm(x[0], nil, nil, 1e-3) }})
}

func TestLayerNormShapes(t *testing.T) {
	x := CPU().Zeros(3, 5)
	expectShapeError(t, "gain of 4", func() { LayerNorm(x, CPU().Ones(4), nil, 1e-5) }, "LayerNorm", "[5]")
	expectShapeError(t, "rank-2 shift", func() { LayerNorm(x, nil, CPU().Zeros(1, 5), 1e-5) }, "LayerNorm")
	expectShapeError(t, "scalar", func() { LayerNorm(CPU().Scalar(1), nil, nil, 1e-5) }, "LayerNorm")
}

// TestLayerNormDeterministic runs the fused CPU backward twice on a shape
// whose column sums split over workers and wants the same bits.
func TestLayerNormDeterministic(t *testing.T) {
	r := newRand(43)
	c := lnCase{shape: []int{257, 300}, affine: true, eps: 1e-5}
	n := prod(c.shape)
	xv, w, gv, bv := randSlice(r, n), randSlice(r, n), randSlice(r, 300), randSlice(r, 300)
	y1, dx1, dg1, db1 := lnRun(t, CPU(), c, xv, gv, bv, w)
	y2, dx2, dg2, db2 := lnRun(t, CPU(), c, xv, gv, bv, w)
	for i, p := range [][2][]float32{{y1, y2}, {dx1, dx2}, {dg1, dg2}, {db1, db2}} {
		if !slices.Equal(p[0], p[1]) {
			t.Errorf("result %d differs between two runs", i)
		}
	}
}
