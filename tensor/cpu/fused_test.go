package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// The fused ops against float64 references (the tensor package's tests
// compare them with the composed ops and check their gradients).

func randn(r *rand.Rand, n int, scale float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(r.NormFloat64() * scale)
	}
	return d
}

func near(t *testing.T, what string, i int, got float32, want, tol float64) {
	t.Helper()
	if d := math.Abs(float64(got) - want); !(d <= tol*(1+math.Abs(want))) {
		t.Errorf("%s: element %d: %v, want %.9g", what, i, got, want)
	}
}

func TestMatMulBias(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := New()
	for _, c := range []struct {
		m, n, k    int
		bias, relu bool
	}{{5, 7, 3, true, true}, {64, 300, 40, true, false}, {200, 257, 9, false, true}, {3, 4, 0, true, true}} {
		x, y, bias := randn(r, c.m*c.k, 1), randn(r, c.k*c.n, 1), randn(r, 2*c.n, 1)
		d := make([]float32, c.m*c.n)
		var bs backend.Strided
		if c.bias {
			bs = strided(bias, 1, []int{c.n}, []int{2}) // strided bias
		}
		// b read through a transposed view, as tensor.Linear passes wᵀ
		yt := make([]float32, len(y))
		for i := 0; i < c.k; i++ {
			for j := 0; j < c.n; j++ {
				yt[j*c.k+i] = y[i*c.n+j]
			}
		}
		b.MatMulBias(rowMajor(d, c.m, c.n), rowMajor(x, c.m, c.k), strided(yt, 0, []int{c.k, c.n}, []int{1, c.k}), bs, c.relu)
		for i := 0; i < c.m; i++ {
			for j := 0; j < c.n; j++ {
				s, abs := 0.0, 0.0
				for l := 0; l < c.k; l++ {
					p := float64(x[i*c.k+l]) * float64(y[l*c.n+j])
					s += p
					abs += math.Abs(p)
				}
				if c.bias {
					s += float64(bias[1+2*j])
				}
				if c.relu {
					s = math.Max(s, 0)
				}
				if g := float64(d[i*c.n+j]); math.Abs(g-s) > 1e-6*(1+abs) {
					t.Errorf("%+v: [%d,%d] = %v, want %v", c, i, j, g, s)
				}
			}
		}
	}
}

func TestCrossEntropyOps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := New()
	for _, c := range []struct{ rows, classes int }{{6, 10}, {3, 1}, {40, 1500}} {
		l := randn(r, c.rows*c.classes, 5)
		tg := make([]float32, c.rows)
		for i := range tg {
			tg[i] = float32(r.IntN(c.classes))
		}
		tg[0] = float32(c.classes + 3) // clamped to the last class
		g := randn(r, c.rows, 1)
		loss := make([]float32, c.rows)
		grad := make([]float32, c.rows*c.classes)
		b.CrossEntropy(rowMajor(loss, c.rows), rowMajor(l, c.rows, c.classes), rowMajor(tg, c.rows))
		const scale = 0.25
		b.CrossEntropyGrad(rowMajor(grad, c.rows, c.classes), rowMajor(l, c.rows, c.classes), rowMajor(tg, c.rows), rowMajor(g, c.rows), scale)
		for i := 0; i < c.rows; i++ {
			row := l[i*c.classes : (i+1)*c.classes]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v))
			}
			s := 0.0
			for _, v := range row {
				s += math.Exp(float64(v) - m)
			}
			tgt := min(int(tg[i]), c.classes-1)
			near(t, "loss", i, loss[i], math.Log(s)+m-float64(row[tgt]), 1e-6)
			for j, v := range row {
				p := math.Exp(float64(v)-m) / s
				if j == tgt {
					p--
				}
				near(t, "gradient", i*c.classes+j, grad[i*c.classes+j], p*float64(g[i])*scale, 1e-6)
			}
		}
	}
}

func TestOptimizerSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	b := New()
	const n = 1 << 16 // large enough to run in parallel
	for _, hp := range []backend.SGDParams{
		{LR: 0.1},
		{LR: 0.1, Momentum: 0.9, First: true, WeightDecay: 0.01},
		{LR: 0.05, Momentum: 0.9, Dampening: 0.5, Nesterov: true},
	} {
		p0, g, b0 := randn(r, n, 1), randn(r, n, 1), randn(r, n, 1)
		p, buf := append([]float32(nil), p0...), append([]float32(nil), b0...)
		b.SGDStep(rowMajor(p, n), rowMajor(g, n), rowMajor(buf, n), hp)
		for i := range p {
			gi := float64(g[i]) + float64(hp.WeightDecay)*float64(p0[i])
			if hp.Momentum != 0 {
				bi := gi
				if !hp.First {
					bi = float64(hp.Momentum)*float64(b0[i]) + (1-float64(hp.Dampening))*gi
				}
				near(t, "sgd buf", i, buf[i], bi, 1e-6)
				if hp.Nesterov {
					gi += float64(hp.Momentum) * bi
				} else {
					gi = bi
				}
			}
			near(t, "sgd param", i, p[i], float64(p0[i])-float64(hp.LR)*gi, 1e-6)
		}
	}
	for _, dec := range []bool{false, true} {
		const step = 4
		bc1, bc2 := 1-math.Pow(0.9, step), 1-math.Pow(0.999, step)
		hp := backend.AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, Decoupled: dec,
			StepSize: float32(1e-3 / bc1), BC2Sqrt: float32(math.Sqrt(bc2))}
		p0, g, m0, v0 := randn(r, n, 1), randn(r, n, 1), randn(r, n, 0.1), randn(r, n, 0.1)
		for i := range v0 {
			v0[i] *= v0[i]
		}
		p, m, v := append([]float32(nil), p0...), append([]float32(nil), m0...), append([]float32(nil), v0...)
		b.AdamStep(rowMajor(p, n), rowMajor(g, n), rowMajor(m, n), rowMajor(v, n), hp)
		for i := range p {
			w, gi := float64(p0[i]), float64(g[i])
			if dec {
				w *= 1 - 1e-3*0.05
			} else {
				gi += 0.05 * w
			}
			mi := 0.9*float64(m0[i]) + 0.1*gi
			vi := 0.999*float64(v0[i]) + 0.001*gi*gi
			near(t, "adam m", i, m[i], mi, 1e-6)
			near(t, "adam v", i, v[i], vi, 1e-6)
			// the update's relative error is a few float32 roundings of
			// a term of size LR·√(1-β₂ᵗ)/(1-β₁ᵗ)·m/√v
			upd := 1e-3 / bc1 * mi / (math.Sqrt(vi)/math.Sqrt(bc2) + 1e-8)
			if got := float64(p[i]); math.Abs(got-(w-upd)) > 1e-6*(1+math.Abs(w))+1e-5*math.Abs(upd) {
				t.Errorf("adam param %d: %v, want %v", i, got, w-upd)
			}
		}
	}
}
