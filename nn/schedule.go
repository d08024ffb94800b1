package nn

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor"
)

// ClipGradNorm scales the gradients of params in place so that their
// global L2 norm (over all of them together) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_: each gradient is multiplied by
// min(1, maxNorm/(norm + 1e-6)). It returns the norm before clipping as a
// scalar tensor (kept, so it may be read after the caller's Step ends).
// Everything stays on the device: no value is read back to the host.
// Parameters without a gradient are skipped; with none at all it returns
// nil. All gradients must be on one device.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float32) *tensor.Tensor {
	var grads []*tensor.Tensor
	for _, p := range params {
		if g := p.Grad(); g != nil {
			grads = append(grads, g)
		}
	}
	if len(grads) == 0 {
		return nil
	}
	var norm *tensor.Tensor
	grads[0].Device().NoGrad(func(s *tensor.Scope) {
		var sq *tensor.Tensor
		for _, g := range grads {
			// In float32 whatever the gradient's dtype: squares of 16-bit
			// gradients overflow float16 and lose digits in bfloat16.
			v := s.Use(g).AsType(tensor.Float32).Square().Sum()
			if sq == nil {
				sq = v
			} else {
				sq = sq.Add(v)
			}
		}
		norm = tensor.Keep(sq.Sqrt())
		scale := norm.AddScalar(1e-6).RDivScalar(maxNorm).MinimumScalar(1)
		for _, g := range grads {
			// A failure travels on g itself (Assign's error is g's).
			_ = g.Assign(s.Use(g).Mul(scale)) // float32 product, rounded once into a 16-bit g
		}
	})
	return norm
}

// WarmupCosine is a learning-rate schedule: a linear warmup from Max/Warmup
// to Max over the first Warmup steps, then a cosine decay from Max to Min
// at step Total (and Min after it), as nanoGPT's get_lr.
type WarmupCosine struct {
	Max, Min      float64
	Warmup, Total int
}

// At returns the learning rate of step (counted from 0).
func (w WarmupCosine) At(step int) float32 {
	switch {
	case step < w.Warmup:
		return float32(w.Max * float64(step+1) / float64(w.Warmup))
	case step >= w.Total:
		return float32(w.Min)
	}
	progress := float64(step-w.Warmup) / float64(max(w.Total-w.Warmup, 1))
	return float32(w.Min + 0.5*(w.Max-w.Min)*(1+math.Cos(math.Pi*progress)))
}

// WeightDecayGroups splits ps into the parameters weight decay applies to
// and those it does not, by the usual rule for transformers: tensors of
// rank 2 or more (the weights of Linear and Conv2d layers) are decayed,
// rank 0 and 1 (biases, LayerNorm gains and shifts) are not, and neither
// are the tensors listed in exclude (such as Embedding tables).
func WeightDecayGroups(ps []Param, exclude ...*tensor.Tensor) (decay, noDecay []Param) {
	skip := map[*tensor.Tensor]bool{}
	for _, t := range exclude {
		skip[t] = true
	}
	for _, p := range ps {
		if p.Tensor.Rank() >= 2 && !skip[p.Tensor] {
			decay = append(decay, p)
		} else {
			noDecay = append(noDecay, p)
		}
	}
	return decay, noDecay
}

// AdamGroups is Adam or AdamW over several parameter groups with their own
// settings, as torch.optim's param_groups; Step and ZeroGrad run every
// group.
type AdamGroups struct {
	Groups []*Adam
}

// NewAdamWGroups returns AdamW with learning rate lr over two groups: decay
// with the given weight decay and noDecay without (see WeightDecayGroups).
// Betas 0.9 and 0.999 and eps 1e-8 are PyTorch's defaults; set the groups'
// fields to change them.
func NewAdamWGroups(decay, noDecay []Param, lr, weightDecay float32) *AdamGroups {
	d, n := NewAdamW(tensorsOf(decay), lr), NewAdamW(tensorsOf(noDecay), lr)
	d.WeightDecay, n.WeightDecay = weightDecay, 0
	return &AdamGroups{Groups: []*Adam{d, n}}
}

// SetLR sets the learning rate of every group (for a schedule).
func (a *AdamGroups) SetLR(lr float32) {
	for _, g := range a.Groups {
		g.LR = lr
	}
}

// SetBetas sets both betas of every group.
func (a *AdamGroups) SetBetas(beta1, beta2 float32) {
	for _, g := range a.Groups {
		g.Beta1, g.Beta2 = beta1, beta2
	}
}

// Step updates every group and returns the first failure.
func (a *AdamGroups) Step() error {
	var err error
	for i, g := range a.Groups {
		if e := g.Step(); e != nil && err == nil {
			err = fmt.Errorf("group %d: %w", i, e)
		}
	}
	return err
}

// ZeroGrad zeroes the gradients of every group.
func (a *AdamGroups) ZeroGrad() {
	for _, g := range a.Groups {
		g.ZeroGrad()
	}
}
