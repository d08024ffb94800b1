package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// lnOut is what one LayerNorm run gives: the result and the gradients of
// x, gamma and beta (nil where not asked for).
type lnOut struct{ y, dx, dg, db []float32 }

// lnVK runs LayerNorm over x [rows, c] (a transposed view when tr) on d,
// with gamma and beta when affine (requiring gradients when gradGB), and
// backpropagates w.
func lnVK(t *testing.T, d *tensor.Device, rows, c int, tr, affine, gradX, gradGB bool, xv, gv, bv, w []float32, eps float32) lnOut {
	t.Helper()
	var leaf, x *tensor.Tensor
	if tr {
		tv := make([]float32, len(xv))
		for i := range rows {
			for j := range c {
				tv[j*rows+i] = xv[i*c+j]
			}
		}
		leaf = d.FromSlice(tv, c, rows).SetRequiresGrad(gradX)
		x = leaf.T()
	} else {
		leaf = d.FromSlice(xv, rows, c).SetRequiresGrad(gradX)
		x = leaf
	}
	var g, b *tensor.Tensor
	if affine {
		g = d.FromSlice(gv, c).SetRequiresGrad(gradGB)
		b = d.FromSlice(bv, c).SetRequiresGrad(gradGB)
	}
	y := tensor.LayerNorm(x, g, b, eps)
	var o lnOut
	o.y = vkData(t, y)
	gradGB = gradGB && affine
	if !gradX && !gradGB {
		return o
	}
	if err := y.Mul(d.FromSlice(w, rows, c)).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if gradX {
		gx := leaf.Grad()
		if tr {
			gx = gx.T()
		}
		o.dx = vkData(t, gx)
	}
	if gradGB {
		o.dg, o.db = vkData(t, g.Grad()), vkData(t, b.Grad())
	}
	return o
}

func vkData(t *testing.T, x *tensor.Tensor) []float32 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lnClose compares got with want within tol relative to max(1, |want|)
// and wants NaN exactly where want has it; it returns the largest
// relative difference seen.
func lnClose(t *testing.T, what string, got, want []float32, tol float64) float64 {
	t.Helper()
	worst := 0.0
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(w) || math.IsNaN(g) {
			if math.IsNaN(w) != math.IsNaN(g) {
				t.Errorf("%s: element %d: %v, want %v", what, i, got[i], want[i])
				return worst
			}
			continue
		}
		d := math.Abs(g-w) / max(1, math.Abs(w))
		worst = max(worst, d)
		if !(d <= tol) {
			t.Errorf("%s: element %d: %v, want %v", what, i, got[i], want[i])
			return worst
		}
	}
	return worst
}

// TestLayerNormVulkan compares the fused Vulkan LayerNorm, forward and
// backward, with the CPU backend's on random shapes: rows of 1, odd
// lengths, lengths that change the lanes per row, a transposed view, no
// gain and shift, a long row, and rows holding NaN and ±Inf.
func TestLayerNormVulkan(t *testing.T) {
	vb := vktest.Shared(t)
	vk := tensor.On(vb)
	if _, ok := vk.Backend().(backend.LayerNormer); !ok {
		t.Fatal("the Vulkan backend does not implement backend.LayerNormer")
	}
	r := rand.New(rand.NewPCG(51, 52))
	type tc struct {
		rows, c                   int
		tr, affine, gradX, gradGB bool
		eps                       float32
		nonFinite                 bool
	}
	cases := []tc{
		{1, 1, false, true, true, true, 1e-5, false},
		{7, 1, false, true, true, true, 1e-5, false},
		{1, 5, false, true, true, false, 1e-5, false},
		{3, 2, false, false, true, false, 1e-5, false},
		{5, 33, true, true, true, true, 1e-5, false},
		{2, 300, false, true, true, true, 0.1, false},
		{4, 2049, false, true, false, true, 1e-5, false},
		{33, 64, false, true, true, true, 1e-6, true},
		{70, 3, false, true, true, true, 1e-5, false},    // more than one row block
		{1, 70000, false, true, true, true, 1e-5, false}, // long row
	}
	for range 6 { // random shapes
		cases = append(cases, tc{1 + r.IntN(40), 1 + r.IntN(700), r.IntN(2) == 0, r.IntN(4) != 0, r.IntN(4) != 0, true, 1e-5, r.IntN(3) == 0})
	}
	worst := map[string]float64{}
	for _, k := range cases {
		n := k.rows * k.c
		vals := func(m int, scale, shift float32) []float32 {
			v := make([]float32, m)
			for i := range v {
				v[i] = float32(r.NormFloat64())*scale + shift
			}
			return v
		}
		xv, w := vals(n, 3, 1), vals(n, 1, 0)
		gv, bv := vals(k.c, 1, 1), vals(k.c, 1, 0)
		if k.nonFinite && k.rows > 2 && k.c > 1 {
			xv[1*k.c+r.IntN(k.c)] = float32(math.NaN())
			xv[2*k.c+r.IntN(k.c)] = float32(math.Inf(1 - 2*r.IntN(2)))
		}
		want := lnVK(t, tensor.CPU(), k.rows, k.c, k.tr, k.affine, k.gradX, k.gradGB, xv, gv, bv, w, k.eps)
		got := lnVK(t, vk, k.rows, k.c, k.tr, k.affine, k.gradX, k.gradGB, xv, gv, bv, w, k.eps)
		name := func(s string) string { return s + " " + lnName(k.rows, k.c, k.tr) }
		worst["y"] = max(worst["y"], lnClose(t, name("y"), got.y, want.y, 2e-5))
		if k.gradX {
			worst["dx"] = max(worst["dx"], lnClose(t, name("dx"), got.dx, want.dx, 1e-4))
		}
		if k.affine && k.gradGB {
			worst["dgamma"] = max(worst["dgamma"], lnClose(t, name("dgamma"), got.dg, want.dg, 1e-4*math.Sqrt(float64(k.rows))))
			worst["dbeta"] = max(worst["dbeta"], lnClose(t, name("dbeta"), got.db, want.db, 1e-4*math.Sqrt(float64(k.rows))))
		}
		if k.nonFinite && k.rows > 2 && k.c > 1 && !math.IsNaN(float64(got.y[2*k.c])) {
			t.Errorf("%s: a row holding an infinity gave %v", name("y"), got.y[2*k.c])
		}
	}
	t.Logf("largest relative differences from the CPU: %v", worst)
}

func lnName(rows, c int, tr bool) string {
	if tr {
		return fmt.Sprintf("[%d %d]ᵀ", rows, c)
	}
	return fmt.Sprintf("[%d %d]", rows, c)
}

// TestLayerNormVulkanDeterministic runs forward and backward twice on a
// shape with several row blocks and wants the same bits.
func TestLayerNormVulkanDeterministic(t *testing.T) {
	vk := tensor.On(vktest.Shared(t))
	r := rand.New(rand.NewPCG(53, 54))
	const rows, c = 300, 257
	v := func(m int) []float32 {
		x := make([]float32, m)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		return x
	}
	xv, w, gv, bv := v(rows*c), v(rows*c), v(c), v(c)
	a := lnVK(t, vk, rows, c, false, true, true, true, xv, gv, bv, w, 1e-5)
	b := lnVK(t, vk, rows, c, false, true, true, true, xv, gv, bv, w, 1e-5)
	for i, p := range [][2][]float32{{a.y, b.y}, {a.dx, b.dx}, {a.dg, b.dg}, {a.db, b.db}} {
		if !slices.Equal(p[0], p[1]) {
			t.Errorf("result %d differs between two runs", i)
		}
	}
}
