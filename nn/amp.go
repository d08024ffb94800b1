package nn

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor"
)

// Mixed precision
//
// A model computes in a 16-bit float dtype when its parameters have that
// dtype (ToDType) and its inputs are converted to it (x.AsType(dt)): every
// layer then runs in that dtype, the ops computing in float32 registers
// and rounding once on store, and the fused float32 kernels (CrossEntropy,
// LayerNorm) widen their operands themselves. Losses come out Float32.
//
// The optimizers (SGD, Adam) keep a Float32 master copy of each 16-bit
// parameter, made from the parameter at its first update, with their state
// (momentum, moments) in Float32: a step converts the gradient to Float32,
// updates the master (with the fused float32 kernels where the backend has
// them) and writes the master, rounded, back into the parameter. Small
// updates that would round away in 16 bits thus accumulate in the master.
// A parameter changed by other means after its first update (Assign,
// Load) is overwritten by its master at the next step.
//
// bfloat16 has float32's exponent range and needs nothing more. float16's
// range ends at 65504 and its smallest subnormal is about 6·10⁻⁸, so small
// gradients flush to zero: GradScaler multiplies the loss by a large
// factor before Backward and divides the gradients by it, in float32, in
// the optimizer step, as torch.cuda.amp.GradScaler:
//
//	nn.ToDType(model, tensor.Float16)
//	opt := nn.NewSGD(model.Parameters(), lr)
//	scaler := nn.NewGradScaler()
//	// in each step:
//	loss := nn.CrossEntropyLoss(model.Forward(x.AsType(tensor.Float16)), y)
//	err := scaler.ScaleLoss(loss).Backward()
//	stepped, err := scaler.Step(opt) // false: Inf/NaN gradients, step skipped
//	opt.ZeroGrad()

// ToDType converts every parameter of m to the float dtype dt in place
// (Tensor.ConvertTo: the parameters keep their identity, so an optimizer
// made before sees them converted; their gradients are converted too). It
// returns the error of a conversion that failed, naming the parameter;
// those converted before it stay converted. It panics with a
// *tensor.DTypeError when dt is not a float dtype.
func ToDType(m Module, dt tensor.DType) error {
	if !dt.Valid() || !dt.IsFloat() {
		panic(&tensor.DTypeError{Op: "nn.ToDType", DType: dt, Reason: "parameters need a float dtype"})
	}
	for _, p := range m.NamedParameters() {
		if err := p.Tensor.ConvertTo(dt); err != nil {
			return fmt.Errorf("nn.ToDType: parameter %q: %w", p.Name, err)
		}
	}
	return nil
}

// ScaledOptimizer is an optimizer that GradScaler can drive: SGD, Adam and
// AdamGroups are.
type ScaledOptimizer interface {
	Optimizer
	// Parameters returns the parameters the optimizer updates.
	Parameters() []*tensor.Tensor
	// StepScaled is Step with every gradient multiplied by unscale
	// first, in float32.
	StepScaled(unscale float32) error
}

// Parameters returns the parameters the optimizer updates.
func (o *SGD) Parameters() []*tensor.Tensor { return o.params }

// Parameters returns the parameters the optimizer updates.
func (o *Adam) Parameters() []*tensor.Tensor { return o.params }

// Parameters returns the parameters of every group, in order.
func (a *AdamGroups) Parameters() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, g := range a.Groups {
		ps = append(ps, g.params...)
	}
	return ps
}

// StepScaled is StepScaled of every group; it returns the first failure.
func (a *AdamGroups) StepScaled(unscale float32) error {
	var err error
	for i, g := range a.Groups {
		if e := g.StepScaled(unscale); e != nil && err == nil {
			err = fmt.Errorf("group %d: %w", i, e)
		}
	}
	return err
}

// GradScaler is dynamic loss scaling for float16 training, as PyTorch's
// torch.cuda.amp.GradScaler with its defaults: the loss is multiplied by
// Scale before Backward (ScaleLoss); Step skips the update when a gradient
// holds an Inf or NaN (the scaled gradients overflowed float16) and
// multiplies Scale by BackoffFactor, and otherwise steps with the
// gradients divided by Scale and, after GrowthInterval such steps in a
// row, multiplies Scale by GrowthFactor (unless that overflows float32).
type GradScaler struct {
	Scale          float32 // the current loss scale: 65536 at the start
	GrowthFactor   float32 // 2
	BackoffFactor  float32 // 0.5
	GrowthInterval int     // 2000 steps

	good int // steps without Inf/NaN since the scale last changed
}

// NewGradScaler returns a GradScaler with PyTorch's defaults: scale 2¹⁶,
// growth ×2 every 2000 good steps, backoff ×0.5.
func NewGradScaler() *GradScaler {
	return &GradScaler{Scale: 65536, GrowthFactor: 2, BackoffFactor: 0.5, GrowthInterval: 2000}
}

// ScaleLoss returns loss·Scale, to run Backward on.
func (gs *GradScaler) ScaleLoss(loss *tensor.Tensor) *tensor.Tensor {
	return loss.MulScalar(gs.Scale)
}

// Step updates opt's parameters from their scaled gradients unless one of
// them holds an Inf or NaN, and adjusts Scale (see GradScaler). It reports
// whether it stepped, and returns the first runtime failure of the check
// or of the step. The check runs on the device: one reduction per
// gradient, their sum, and one scalar read per device.
func (gs *GradScaler) Step(opt ScaledOptimizer) (bool, error) {
	finite, err := allFinite(opt.Parameters())
	if err != nil {
		return false, err
	}
	if !finite {
		gs.Scale *= gs.BackoffFactor
		gs.good = 0
		return false, nil
	}
	if err := opt.StepScaled(1 / gs.Scale); err != nil {
		return true, err
	}
	if gs.good++; gs.good >= gs.GrowthInterval {
		gs.good = 0
		if grown := gs.Scale * gs.GrowthFactor; !math.IsInf(float64(grown), 0) {
			gs.Scale = grown
		}
	}
	return true, nil
}

// allFinite reports whether every gradient of ps is free of Inf and NaN.
// g·0 is 0 where g is finite and NaN where it is not, so the sum of those
// products over all gradients is NaN exactly when one is not finite (a
// plain sum could overflow from finite values).
func allFinite(ps []*tensor.Tensor) (bool, error) {
	type partial struct {
		s   *tensor.Scope
		sum *tensor.Tensor
	}
	var devs []*tensor.Device
	parts := map[*tensor.Device]*partial{}
	defer func() {
		for _, pt := range parts {
			pt.s.Release()
		}
	}()
	for _, p := range ps {
		g := p.Grad()
		if g == nil {
			continue
		}
		pt := parts[g.Device()]
		if pt == nil {
			s := g.Device().NewScope()
			pt = &partial{s: s, sum: s.Zeros()}
			parts[g.Device()] = pt
			devs = append(devs, g.Device())
		}
		pt.sum = pt.sum.Add(pt.s.Use(g).MulScalar(0).Sum())
	}
	for _, d := range devs {
		v, err := parts[d].sum.Item()
		if err != nil {
			return false, err
		}
		if v != 0 {
			return false, nil
		}
	}
	return true, nil
}
