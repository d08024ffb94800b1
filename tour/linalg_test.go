package tour_test

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// g. Linear regression three ways: the normal equations XᵀX·w = Xᵀy
// solved with Solve, least squares with Lstsq (through QR, better
// conditioned), and gradient descent on the mean squared error. All three
// find the same w.
func Example_g_regression() {
	dev := tensor.CPU()
	rng := tensor.NewRNG(3)
	// 200 points, y = 2·x₁ − 3·x₂ + 0.5 + noise; a column of ones for the
	// intercept.
	x := dev.Normal(rng, 0, 1, 200, 2)
	X := tensor.Concat(1, x, dev.Ones(200, 1))
	y := X.MatMul(dev.FromSlice([]float32{2, -3, 0.5})).Add(dev.Normal(rng, 0, 0.1, 200))

	normal := linalg.Solve(X.T().MatMul(X), X.T().MatMul(y))
	lstsq := linalg.Lstsq(X, y)
	w := dev.Zeros(3).SetRequiresGrad(true)
	for range 300 {
		dev.Step(func(s *tensor.Scope) {
			loss := s.Use(X).MatMul(w).Sub(y).Square().Mean()
			if err := loss.Backward(); err != nil {
				panic(err)
			}
			s.NoGrad(func(s *tensor.Scope) {
				if err := w.Assign(s.Use(w).Sub(s.Use(w.Grad()).MulScalar(0.3))); err != nil {
					panic(err)
				}
			})
			w.ZeroGrad()
		})
	}
	fmt.Printf("%.1f\n%.1f\n%.1f\n", values(normal), values(lstsq), values(w))
	fmt.Println(maxDiff(normal, lstsq) < 1e-4, maxDiff(normal, w.Detach()) < 1e-4)
	// Output:
	// [2.0 -3.0 0.5]
	// [2.0 -3.0 0.5]
	// [2.0 -3.0 0.5]
	// true true
}

// h. Principal component analysis of MNIST: the eigenvectors of the
// pixels' covariance matrix with the largest eigenvalues are the
// directions in which digits vary most (go run ./tour/eigendigits draws
// the top 16 as images). Projected on 50 of them — 784 numbers become 50 —
// the digits are still told apart well by a linear classifier.
func Example_h_pca() {
	dir, err := mnist.DefaultDir()
	if err != nil {
		fmt.Println(err)
		return
	}
	ds, err := mnist.Load(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	dev := tensor.CPU()
	const n, nTest, k = 10000, 2000, 50
	trainX, testX := ds.Normalized(mnist.Mean, mnist.Std)
	X := dev.FromSlice(trainX[:n*784], n, 784)
	mean := X.MeanKeepDims(0)
	Xc := X.Sub(mean)
	cov := Xc.T().MatMul(Xc).DivScalar(n - 1) // [784, 784], symmetric
	w, v := linalg.Eigh(cov)                  // ascending eigenvalues
	top := v.Narrow(1, 784-k, k)              // the k leading directions
	total, _ := w.Sum().Item()
	kept, _ := w.Narrow(0, 784-k, k).Sum().Item()
	fmt.Printf("%d of 784 components keep %.0f%% of the variance\n", k, 100*kept/total)

	labels := func(ls []uint8) *tensor.Tensor {
		f := make([]float32, len(ls))
		for i, l := range ls {
			f[i] = float32(l)
		}
		return dev.FromSlice(f)
	}
	Z := Xc.MatMul(top) // [n, k]
	Y := labels(ds.Train.Labels[:n])
	Zt := dev.FromSlice(testX[:nTest*784], nTest, 784).Sub(mean).MatMul(top)
	Yt := labels(ds.Test.Labels[:nTest])
	model := nn.NewLinear(dev, tensor.NewRNG(1), k, 10)
	opt := nn.NewAdam(model.Parameters(), 0.01)
	for range 200 {
		dev.Step(func(s *tensor.Scope) {
			loss := nn.CrossEntropyLoss(model.Forward(s.Use(Z)), s.Use(Y))
			if err := loss.Backward(); err != nil {
				panic(err)
			}
			if err := opt.Step(); err != nil {
				panic(err)
			}
			opt.ZeroGrad()
		})
	}
	acc, _ := model.Forward(Zt).ArgMax(1).Eq(Yt).Mean().Item()
	fmt.Println("linear classifier on 50 components, test accuracy above 85%:", acc > 0.85)
	// Output:
	// 50 of 784 components keep 83% of the variance
	// linear classifier on 50 components, test accuracy above 85%: true
}

// i. At a minimum of the loss every direction curves up: the Hessian (the
// matrix of second derivatives) has no negative eigenvalue. At a saddle
// some direction curves down. Hessian-vector products come from gradients
// alone, Hv ≈ (∇L(θ+εv) − ∇L(θ−εv))/2ε; power iteration on H finds its
// largest eigenvalue λmax, and on λmax·I − H its smallest. Here a tiny
// tanh network fitted to a curve, at its trained minimum and at θ = 0,
// where every gradient vanishes by symmetry but it is no minimum.
func Example_i_hessian() {
	dev := tensor.CPU()
	xs := dev.FromSlice([]float32{-1, -0.5, 0, 0.5, 1}, 5, 1)
	ys := dev.FromSlice([]float32{0.8, 0.2, 0, 0.3, 0.9}, 5, 1)
	model := nn.NewSequential(nn.NewLinear(dev, tensor.NewRNG(2), 1, 3), tanh{}, nn.NewLinear(dev, tensor.NewRNG(3), 3, 1))
	params := model.Parameters()
	loss := func() *tensor.Tensor { return model.Forward(xs).Sub(ys).Square().Mean() }
	opt := nn.NewAdam(params, 0.05)
	for range 3000 {
		dev.Step(func(s *tensor.Scope) {
			l := loss()
			if err := l.Backward(); err != nil {
				panic(err)
			}
			if err := opt.Step(); err != nil {
				panic(err)
			}
			opt.ZeroGrad()
		})
	}
	lo, hi := hessianExtremes(params, loss)
	fmt.Printf("trained: smallest eigenvalue ≥ −1e-3: %v, largest > 0: %v\n", lo > -1e-3, hi > 0)
	for _, p := range params {
		if err := p.Assign(dev.Zeros(p.Shape()...)); err != nil {
			panic(err)
		}
	}
	lo, _ = hessianExtremes(params, loss)
	fmt.Printf("θ = 0: smallest eigenvalue < 0 (a saddle): %v\n", lo < 0)
	// Output:
	// trained: smallest eigenvalue ≥ −1e-3: true, largest > 0: true
	// θ = 0: smallest eigenvalue < 0 (a saddle): true
}

// tanh is the tanh activation as a module.
type tanh struct{}

func (tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }
func (tanh) Parameters() []*tensor.Tensor            { return nil }
func (tanh) NamedParameters() []nn.Param             { return nil }
func (tanh) Train(bool)                              {}

// hessianExtremes returns the smallest and largest eigenvalues of the
// Hessian of loss with respect to params, by power iteration on
// finite-difference Hessian-vector products (in float64 on the host).
func hessianExtremes(params []*tensor.Tensor, loss func() *tensor.Tensor) (lo, hi float64) {
	flat := func() []float64 {
		var out []float64
		for _, p := range params {
			v, _ := p.Data()
			for _, x := range v {
				out = append(out, float64(x))
			}
		}
		return out
	}
	set := func(theta []float64) {
		at := 0
		for _, p := range params {
			v := make([]float32, p.Size())
			for i := range v {
				v[i] = float32(theta[at+i])
			}
			at += len(v)
			if err := p.Assign(p.Device().FromSlice(v, p.Shape()...)); err != nil {
				panic(err)
			}
		}
	}
	grad := func() []float64 {
		for _, p := range params {
			p.ZeroGrad()
		}
		if err := loss().Backward(); err != nil {
			panic(err)
		}
		var g []float64
		for _, p := range params {
			v, _ := p.Grad().Data()
			for _, x := range v {
				g = append(g, float64(x))
			}
		}
		return g
	}
	theta := flat()
	hv := func(v []float64) []float64 {
		const eps = 1e-2
		step := func(sign float64) []float64 {
			t := make([]float64, len(theta))
			for i := range t {
				t[i] = theta[i] + sign*eps*v[i]
			}
			set(t)
			return grad()
		}
		gp, gm := step(1), step(-1)
		out := make([]float64, len(v))
		for i := range out {
			out[i] = (gp[i] - gm[i]) / (2 * eps)
		}
		return out
	}
	power := func(apply func([]float64) []float64) float64 {
		v := make([]float64, len(theta))
		for i := range v {
			v[i] = math.Sin(float64(i) + 1) // a fixed start with every component
		}
		var lambda float64
		for range 200 {
			norm := 0.0
			for _, x := range v {
				norm += x * x
			}
			norm = math.Sqrt(norm)
			for i := range v {
				v[i] /= norm
			}
			w := apply(v)
			lambda = 0
			for i := range v {
				lambda += v[i] * w[i]
			}
			v = w
		}
		return lambda
	}
	hi = power(hv)
	shift := math.Abs(hi) + 1
	lo = shift - power(func(v []float64) []float64 {
		h := hv(v)
		for i := range h {
			h[i] = shift*v[i] - h[i]
		}
		return h
	})
	set(theta)
	return lo, hi
}

// values returns a tensor's elements, for printing.
func values(t *tensor.Tensor) []float32 {
	v, err := t.Data()
	if err != nil {
		panic(err)
	}
	return v
}
