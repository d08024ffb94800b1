package nn

import (
	"math"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step updates every parameter that has a gradient, in place (with
	// one fused kernel per parameter where the backend has them, see
	// tensor.SGDUpdate, else with tensor.Assign in a NoGrad scope that
	// frees its temporaries), and returns the first runtime failure met.
	// Its state tensors are kept (tensor.Keep), so Step may run inside a
	// Device.Step. State lives on each parameter's device: after a
	// parameter moves (nn.To, Tensor.MoveTo), its state follows it at the
	// next Step. A parameter of a 16-bit dtype is updated through a
	// Float32 master copy (see "Mixed precision" in amp.go).
	Step() error
	// ZeroGrad sets the parameters' gradients to zero, in place.
	ZeroGrad()
}

// zeroGrad zeroes the gradients of ps.
func zeroGrad(ps []*tensor.Tensor) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// SGD is stochastic gradient descent with momentum, dampening, Nesterov
// momentum and L2 weight decay, with torch.optim.SGD's update: for each
// parameter p with gradient g,
//
//	g ← g + WeightDecay·p
//	b ← g on the first step, else Momentum·b + (1−Dampening)·g
//	g ← g + Momentum·b with Nesterov, else b   (when Momentum ≠ 0)
//	p ← p − LR·g
//
// On backends with fused kernels (backend.Fused) each parameter's update is
// one launch (tensor.SGDUpdate), with the same float32 roundings. A 16-bit
// parameter is updated through a Float32 master copy, with its momentum
// buffer in Float32 (see "Mixed precision" in amp.go).
type SGD struct {
	LR, Momentum, Dampening, WeightDecay float32
	Nesterov                             bool

	params  []*tensor.Tensor
	bufs    []*tensor.Tensor // momentum buffers, created on first use
	masters []*tensor.Tensor // Float32 copies of 16-bit parameters, made at their first update
}

// NewSGD returns plain SGD over params with learning rate lr; set the other
// fields for momentum and weight decay.
func NewSGD(params []*tensor.Tensor, lr float32) *SGD {
	n := len(params)
	return &SGD{LR: lr, params: params, bufs: make([]*tensor.Tensor, n), masters: make([]*tensor.Tensor, n)}
}

// Step applies one update.
func (o *SGD) Step() error { return o.StepScaled(1) }

// StepScaled is Step with every gradient multiplied by unscale first, in
// float32: GradScaler steps with 1/scale to undo a loss scale.
func (o *SGD) StepScaled(unscale float32) error {
	var err error
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		keepErr(&err, follow(p, o.bufs[i], o.masters[i]))
		p.Device().NoGrad(func(s *tensor.Scope) {
			// The math reads views in s, so its temporaries are freed
			// when s is; the update goes to w itself.
			w, g := master(p, &o.masters[i]), float32Grad(s, g, unscale)
			if !o.fused(i, w, g, &err) {
				o.composed(s, i, w, g, &err)
			}
			if w != p {
				keepErr(&err, p.Assign(w)) // rounds the master to p's dtype
			}
		})
	}
	return err
}

// composed updates w, a Float32 parameter or master copy, from its
// Float32 gradient g with tensor ops in s.
func (o *SGD) composed(s *tensor.Scope, i int, w, g *tensor.Tensor, err *error) {
	wd := s.Use(w)
	if o.WeightDecay != 0 {
		g = g.Add(wd.MulScalar(o.WeightDecay))
	}
	if o.Momentum != 0 {
		b := o.bufs[i]
		if b == nil {
			b = tensor.Keep(g.Detach().Clone())
			o.bufs[i] = b
		} else {
			keepErr(err, b.Assign(s.Use(b).MulScalar(o.Momentum).Add(g.MulScalar(1-o.Dampening))))
		}
		b = s.Use(b)
		if o.Nesterov {
			g = g.Add(b.MulScalar(o.Momentum))
		} else {
			g = b
		}
	}
	keepErr(err, w.Assign(wd.Sub(g.MulScalar(o.LR))))
}

// master returns p itself when it is Float32, else its Float32 master
// copy *m, made from p on first use and kept.
func master(p *tensor.Tensor, m **tensor.Tensor) *tensor.Tensor {
	if p.DType() == tensor.Float32 {
		return p
	}
	if *m == nil {
		*m = tensor.Keep(p.Detach().AsType(tensor.Float32))
	}
	return *m
}

// float32Grad returns g in s as Float32, multiplied by unscale unless it
// is 1.
func float32Grad(s *tensor.Scope, g *tensor.Tensor, unscale float32) *tensor.Tensor {
	g = s.Use(g).AsType(tensor.Float32)
	if unscale != 1 {
		g = g.MulScalar(unscale)
	}
	return g
}

// follow moves the optimizer state of parameter p to p's device.
func follow(p *tensor.Tensor, state ...*tensor.Tensor) error {
	for _, st := range state {
		if st != nil && st.Device() != p.Device() {
			if err := st.MoveTo(p.Device()); err != nil {
				return err
			}
		}
	}
	return nil
}

// fused runs the update of parameter (or master copy) p of index i as one
// kernel (tensor.SGDUpdate) and reports whether it could.
func (o *SGD) fused(i int, p, g *tensor.Tensor, err *error) bool {
	hp := backend.SGDParams{LR: o.LR, Momentum: o.Momentum, Dampening: o.Dampening,
		WeightDecay: o.WeightDecay, Nesterov: o.Nesterov}
	buf := o.bufs[i]
	if o.Momentum != 0 && buf == nil {
		if _, ok := p.Backend().(backend.Fused); !ok {
			return false
		}
		// The kernel initializes the buffer (First); Zeros just gives it
		// storage.
		buf = tensor.Keep(p.Device().Zeros(p.Shape()...))
		hp.First = true
	}
	ok, e := tensor.SGDUpdate(p, g, buf, hp)
	if ok {
		o.bufs[i] = buf
		keepErr(err, e)
	}
	return ok
}

// ZeroGrad zeroes the gradients of the parameters.
func (o *SGD) ZeroGrad() { zeroGrad(o.params) }

// keepErr records the first non-nil error.
func keepErr(first *error, err error) {
	if *first == nil {
		*first = err
	}
}

// Adam is the Adam optimizer (Kingma & Ba) with bias correction, and with
// Decoupled set it is AdamW (Loshchilov & Hutter), with torch.optim's
// updates: at step t of a parameter p with gradient g,
//
//	p ← p·(1 − LR·WeightDecay)             (AdamW)
//	g ← g + WeightDecay·p                  (Adam)
//	m ← Beta1·m + (1−Beta1)·g
//	v ← Beta2·v + (1−Beta2)·g²
//	p ← p − LR/(1−Beta1ᵗ) · m / (√v/√(1−Beta2ᵗ) + Eps)
//
// On backends with fused kernels (backend.Fused) each parameter's update is
// one launch (tensor.AdamUpdate), with the same float32 roundings. A 16-bit
// parameter is updated through a Float32 master copy, with m and v in
// Float32 (see "Mixed precision" in amp.go).
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Decoupled                          bool

	params  []*tensor.Tensor
	m, v    []*tensor.Tensor // moment estimates (Float32), created on first use
	steps   []int            // updates made to each parameter
	masters []*tensor.Tensor // Float32 copies of 16-bit parameters, made at their first update
}

// NewAdam returns Adam over params with learning rate lr and PyTorch's
// defaults: betas 0.9 and 0.999, eps 1e-8, no weight decay.
func NewAdam(params []*tensor.Tensor, lr float32) *Adam {
	n := len(params)
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, params: params,
		m: make([]*tensor.Tensor, n), v: make([]*tensor.Tensor, n), steps: make([]int, n),
		masters: make([]*tensor.Tensor, n)}
}

// NewAdamW returns AdamW over params with learning rate lr and PyTorch's
// defaults: betas 0.9 and 0.999, eps 1e-8, weight decay 0.01.
func NewAdamW(params []*tensor.Tensor, lr float32) *Adam {
	o := NewAdam(params, lr)
	o.WeightDecay, o.Decoupled = 0.01, true
	return o
}

// Step applies one update.
func (o *Adam) Step() error { return o.StepScaled(1) }

// StepScaled is Step with every gradient multiplied by unscale first, in
// float32: GradScaler steps with 1/scale to undo a loss scale.
func (o *Adam) StepScaled(unscale float32) error {
	var err error
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		if o.m[i] == nil {
			d := p.Device()
			o.m[i] = tensor.Keep(d.Zeros(p.Shape()...))
			o.v[i] = tensor.Keep(d.Zeros(p.Shape()...))
		}
		keepErr(&err, follow(p, o.m[i], o.v[i], o.masters[i]))
		p.Device().NoGrad(func(s *tensor.Scope) {
			w, g := master(p, &o.masters[i]), float32Grad(s, g, unscale)
			o.update(s, i, w, g, &err)
			if w != p {
				keepErr(&err, p.Assign(w)) // rounds the master to p's dtype
			}
		})
	}
	return err
}

// update applies step i of w, a Float32 parameter or master copy, from
// its Float32 gradient g: one kernel where the backend fuses it, else
// tensor ops in s.
func (o *Adam) update(s *tensor.Scope, i int, w, g *tensor.Tensor, err *error) {
	o.steps[i]++
	t := float64(o.steps[i])
	// Bias corrections in float64: 1−β₂ᵗ is tiny for small t.
	bc1 := 1 - math.Pow(float64(o.Beta1), t)
	bc2 := 1 - math.Pow(float64(o.Beta2), t)
	stepSize := float32(float64(o.LR) / bc1)
	hp := backend.AdamParams{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps,
		WeightDecay: o.WeightDecay, Decoupled: o.Decoupled,
		StepSize: stepSize, BC2Sqrt: float32(math.Sqrt(bc2))}
	if ok, e := tensor.AdamUpdate(w, g, o.m[i], o.v[i], hp); ok {
		keepErr(err, e)
		return
	}
	wd := s.Use(w)
	if o.WeightDecay != 0 {
		if o.Decoupled {
			keepErr(err, w.Assign(wd.MulScalar(1-o.LR*o.WeightDecay)))
		} else {
			g = g.Add(wd.MulScalar(o.WeightDecay))
		}
	}
	m, v := s.Use(o.m[i]), s.Use(o.v[i])
	keepErr(err, m.Assign(m.MulScalar(o.Beta1).Add(g.MulScalar(1-o.Beta1))))
	keepErr(err, v.Assign(v.MulScalar(o.Beta2).Add(g.Square().MulScalar(1-o.Beta2))))
	denom := v.Sqrt().DivScalar(float32(math.Sqrt(bc2))).AddScalar(o.Eps)
	keepErr(err, w.Assign(wd.Sub(m.Div(denom).MulScalar(stepSize))))
}

// ZeroGrad zeroes the gradients of the parameters.
func (o *Adam) ZeroGrad() { zeroGrad(o.params) }
