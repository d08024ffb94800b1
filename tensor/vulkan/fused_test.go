package vulkan

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// TestFusedParity checks the backend.Fused kernels against the CPU backend
// through the parity harness (validation on, stray writes caught by
// comparing the destination's whole buffer).
func TestFusedParity(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(7))
	for _, c := range fusedCases() {
		t.Run(c.name, func(t *testing.T) { checkCase(t, c, ref, vk, r) })
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

// classes draws class indices for c classes, about one in four negative
// (counting from the end); bad ones are TestIndexRule's.
func classes(c int) func(*rand.Rand) float32 {
	return func(r *rand.Rand) float32 {
		if r.Intn(4) == 0 {
			return float32(-1 - r.Intn(c))
		}
		return float32(r.Intn(c))
	}
}

func fusedCases() []pcase {
	var cs []pcase
	fused := func(b backend.Backend) backend.Fused { return b.(backend.Fused) }
	for _, c := range []struct {
		rows, classes int
		ld, ll, lt    int
		gen           func(r *rand.Rand) float32
	}{
		{64, 10, dense, dense, dense, wide}, // MNIST: an invocation per row
		{37, 10, stepped, transposed, shifted, wide},
		{5, 1, dense, dense, broadcast, wide},   // one class: loss 0, gradient 0
		{9, 300, shifted, stepped, dense, wide}, // a workgroup per row
		{3, 1031, dense, transposed, dense, wide},
		// NaN and ±Inf logits, both kernel modes
		{300, 10, dense, dense, dense, specials}, {40, 300, dense, dense, dense, specials},
	} {
		cs = append(cs, pcase{
			name: fmt.Sprintf("xent/%dx%d/%d%d%d", c.rows, c.classes, c.ld, c.ll, c.lt),
			ops:  []opnd{{[]int{c.rows}, c.ld, nil}, {[]int{c.rows, c.classes}, c.ll, c.gen}, {[]int{c.rows}, c.lt, classes(c.classes)}},
			run: func(b backend.Backend, o []backend.Strided) {
				fused(b).CrossEntropy(o[0], o[1], o[2])
			},
			rel: 2e-6, abs: 1e-6,
		})
		cs = append(cs, pcase{
			name: fmt.Sprintf("xentgrad/%dx%d/%d%d%d", c.rows, c.classes, c.ld, c.ll, c.lt),
			ops: []opnd{{[]int{c.rows, c.classes}, c.ll, nil}, {[]int{c.rows, c.classes}, c.ld, c.gen},
				{[]int{c.rows}, c.lt, classes(c.classes)}, {[]int{c.rows}, c.ld, normal}},
			run: func(b backend.Backend, o []backend.Strided) {
				fused(b).CrossEntropyGrad(o[0], o[1], o[2], o[3], 1/float32(c.rows))
			},
			rel: 4e-6, abs: 2e-7, // p−1 at the target cancels in float32
		})
	}
	// Int32 targets, both kernel modes
	for _, c := range []struct{ rows, classes, lt int }{{37, 10, shifted}, {9, 300, stepped}} {
		cs = append(cs, pcase{
			name: fmt.Sprintf("xent/int32/%dx%d", c.rows, c.classes),
			ops:  []opnd{{[]int{c.rows}, dense, nil}, {[]int{c.rows, c.classes}, transposed, wide}, {[]int{c.rows}, c.lt, classes(c.classes)}},
			run:  func(b backend.Backend, o []backend.Strided) { fused(b).CrossEntropy(o[0], o[1], o[2]) },
			rel:  2e-6, abs: 1e-6, dts: []backend.DType{backend.Float32, backend.Float32, backend.Int32},
		}, pcase{
			name: fmt.Sprintf("xentgrad/int32/%dx%d", c.rows, c.classes),
			ops: []opnd{{[]int{c.rows, c.classes}, dense, nil}, {[]int{c.rows, c.classes}, stepped, wide},
				{[]int{c.rows}, c.lt, classes(c.classes)}, {[]int{c.rows}, dense, normal}},
			run: func(b backend.Backend, o []backend.Strided) {
				fused(b).CrossEntropyGrad(o[0], o[1], o[2], o[3], 1/float32(c.rows))
			},
			rel: 4e-6, abs: 2e-7, dts: []backend.DType{backend.Float32, backend.Float32, backend.Int32, backend.Float32},
		})
	}
	// broadcast incoming gradient (a mean's scalar), as tensor.CrossEntropy
	cs = append(cs, pcase{
		name: "xentgrad/scalar-g",
		ops:  []opnd{{[]int{16, 10}, dense, nil}, {[]int{16, 10}, dense, wide}, {[]int{16}, dense, classes(10)}, {[]int{1}, dense, normal}},
		run: func(b backend.Backend, o []backend.Strided) {
			g := o[3]
			g.Shape, g.Strides = []int{16}, []int{0}
			fused(b).CrossEntropyGrad(o[0], o[1], o[2], g, 1.0/16)
		},
		rel: 4e-6, abs: 2e-7, // p−1 at the target cancels in float32
	})

	// Optimizer steps: every state operand in turn is the compared one
	// (ops[0]); the run puts them back in the kernel's order.
	sgds := []backend.SGDParams{
		{LR: 0.1},
		{LR: 0.05, WeightDecay: 0.01},
		{LR: 0.1, Momentum: 0.9, First: true},
		{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.001},
		{LR: 0.01, Momentum: 0.8, Nesterov: true, WeightDecay: 0.01},
	}
	for _, n := range []int{1, 1031} {
		for i, p := range sgds {
			for k, which := range []string{"param", "buf"} {
				if k == 1 && p.Momentum == 0 {
					continue
				}
				perm := []int{0, 1, 2} // param, grad, buf
				if k == 1 {
					perm = []int{2, 1, 0}
				}
				cs = append(cs, pcase{
					name: fmt.Sprintf("sgd/%d/%d/%s", n, i, which),
					ops:  []opnd{{[]int{n}, shifted, normal}, {[]int{n}, dense, normal}, {[]int{n}, shifted, normal}},
					run: func(b backend.Backend, o []backend.Strided) {
						fused(b).SGDStep(o[perm[0]], o[perm[1]], o[perm[2]], p)
					},
					rel: 1e-6, abs: 1e-12,
				})
			}
		}
	}
	adams := []backend.AdamParams{
		adamParams(1e-3, 0, false, 1),
		adamParams(1e-2, 0.01, false, 3),
		adamParams(1e-2, 0.01, true, 7),
	}
	for _, n := range []int{3, 1031} {
		for i, p := range adams {
			for k, which := range []string{"param", "m", "v"} {
				perm := [][]int{{0, 1, 2, 3}, {2, 1, 0, 3}, {3, 1, 2, 0}}[k] // param, grad, m, v
				ops := []opnd{{[]int{n}, shifted, normal}, {[]int{n}, dense, normal}, {[]int{n}, dense, normal}, {[]int{n}, shifted, positive}}
				if k == 2 { // v is ops[0] and must stay non-negative
					ops[0].gen, ops[3].gen = positive, normal
				}
				cs = append(cs, pcase{
					name: fmt.Sprintf("adam/%d/%d/%s", n, i, which),
					ops:  ops,
					run: func(b backend.Backend, o []backend.Strided) {
						fused(b).AdamStep(o[perm[0]], o[perm[1]], o[perm[2]], o[perm[3]], p)
					},
					rel: 2e-6, abs: 1e-12,
				})
			}
		}
	}
	return cs
}

// adamParams computes the step's bias corrections as nn.Adam does.
func adamParams(lr, wd float32, decoupled bool, t int) backend.AdamParams {
	p := backend.AdamParams{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd, Decoupled: decoupled}
	bc1 := 1 - math.Pow(0.9, float64(t))
	bc2 := 1 - math.Pow(float64(p.Beta2), float64(t))
	p.StepSize = float32(float64(lr) / bc1)
	p.BC2Sqrt = float32(math.Sqrt(bc2))
	return p
}
