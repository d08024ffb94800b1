// Package nn builds and trains neural networks on package tensor: layers
// (Linear, Conv2d, MaxPool2d, ReLU, Flatten, Dropout, Sequential), the
// cross-entropy loss, the SGD and Adam/AdamW optimizers, PyTorch's default
// initialization, and saving and loading weights as safetensors files.
// For transformers: LayerNorm, Embedding, CausalSelfAttention, TransformerBlock and GPT, with the MSE, L1, BCEWithLogits and NLL losses, ClipGradNorm, WarmupCosine, AdamGroups and checkpoints holding optimizer state (transformer.go, gpt.go, loss.go, schedule.go, checkpoint.go).
// Mixed precision (amp.go): ToDType holds a model's parameters in bfloat16 or float16, the optimizers keep Float32 master weights for them, and GradScaler scales the loss of float16 training.
//
// Layers are written with tensor ops, so tensor's autograd differentiates
// them and they run on whatever device their parameters live on: each
// constructor takes the *tensor.Device to create its parameters on (nil
// means tensor.Default()), and To moves a built model to another device in
// place (optimizers' state follows at their next Step). The conventions are PyTorch's: Linear
// holds its weight as [out, in], Conv2d works on NCHW images, parameter
// names are "weight" and "bias" prefixed by the layer's position in a
// Sequential ("0.weight"), and the optimizers implement torch.optim's
// update rules, so weights move between the two.
//
// A training loop wraps each iteration in the device's Step, which frees
// every tensor of the iteration when it ends — the batch created through
// its scope and everything computed from it; parameters, their gradients
// and optimizer state are kept:
//
//	dev := tensor.On(gpu) // or tensor.CPU()
//	model := nn.NewSequential(nn.NewLinear(dev, rng, 784, 128), nn.ReLU{}, nn.NewLinear(dev, rng, 128, 10))
//	opt := nn.NewAdam(model.Parameters(), 1e-3)
//	for _, b := range batches {
//		dev.Step(func(s *tensor.Scope) {
//			x, y := s.FromSlice(b.X, len(b.Y), 784), s.FromSlice(b.Y)
//			loss := nn.CrossEntropyLoss(model.Forward(x), y)
//			if err := loss.Backward(); err != nil { ... }
//			if err := opt.Step(); err != nil { ... }
//			opt.ZeroGrad()
//		})
//	}
//
// Evaluate in the device's NoGrad scope with model.Train(false), which
// turns Dropout off.
package nn

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor"
)

// Module is a layer or a network of layers.
type Module interface {
	// Forward computes the module's output for the input x.
	Forward(x *tensor.Tensor) *tensor.Tensor
	// Parameters returns the tensors that training updates, in the order of
	// NamedParameters.
	Parameters() []*tensor.Tensor
	// NamedParameters returns the parameters with names unique within the
	// module, as Save writes them ("weight", "0.bias", ...).
	NamedParameters() []Param
	// Train switches training mode (on, the default) or evaluation mode
	// (off); only Dropout behaves differently.
	Train(on bool)
}

// Param is a named parameter of a module.
type Param struct {
	Name   string
	Tensor *tensor.Tensor
}

// tensorsOf returns the tensors of ps.
func tensorsOf(ps []Param) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.Tensor
	}
	return out
}

// weightAndBias names a layer's weight and optional bias.
func weightAndBias(w, b *tensor.Tensor) []Param {
	ps := []Param{{"weight", w}}
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return ps
}

// KaimingUniform returns a parameter of the given shape on dev (nil:
// tensor.Default()) drawn from the uniform distribution on [−1/√fanIn, 1/√fanIn), marked as
// requiring a gradient. This is PyTorch's default initialization of the
// weights of nn.Linear and nn.Conv2d (kaiming_uniform_ with a = √5, whose
// bound √6/√((1+a²)·fanIn) reduces to 1/√fanIn) and of their biases.
func KaimingUniform(dev *tensor.Device, rng *tensor.RNG, fanIn int, shape ...int) *tensor.Tensor {
	bound := float32(0)
	if fanIn > 0 {
		bound = float32(1 / math.Sqrt(float64(fanIn)))
	}
	return orDefault(dev).Uniform(rng, -bound, bound, shape...).SetRequiresGrad(true)
}

// orDefault is dev, or tensor.Default() when dev is nil.
func orDefault(dev *tensor.Device) *tensor.Device {
	if dev == nil {
		return tensor.Default()
	}
	return dev
}

// To moves every parameter of m, with its gradient, to dev in place
// (tensor.Tensor.MoveTo): the module and the optimizers that hold its
// parameters keep working, on dev. It returns the first failure to read or
// write the parameters; those moved before it stay moved.
func To(m Module, dev *tensor.Device) error {
	for _, p := range m.NamedParameters() {
		if err := p.Tensor.MoveTo(dev); err != nil {
			return fmt.Errorf("nn.To: parameter %q: %w", p.Name, err)
		}
	}
	return nil
}

// Linear is a fully connected layer: y = x·Wᵀ + b over the last axis of x.
type Linear struct {
	Weight *tensor.Tensor // [out, in]
	Bias   *tensor.Tensor // [out]; nil for a layer without bias
}

// NewLinear returns a Linear layer on dev (nil: tensor.Default()) from in
// to out features with bias, initialized as PyTorch's nn.Linear (see
// KaimingUniform) from rng.
func NewLinear(dev *tensor.Device, rng *tensor.RNG, in, out int) *Linear {
	return &Linear{
		Weight: KaimingUniform(dev, rng, in, out, in),
		Bias:   KaimingUniform(dev, rng, in, out),
	}
}

// Forward maps x of shape [..., in] to [..., out] with tensor.Linear: the
// product and the bias in one launch where the backend fuses them.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Linear(x, l.Weight, l.Bias)
}

// forwardReLU is Forward followed by ReLU, fused (tensor.LinearReLU).
func (l *Linear) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	return tensor.LinearReLU(x, l.Weight, l.Bias)
}

// Parameters returns the weight and the bias.
func (l *Linear) Parameters() []*tensor.Tensor { return tensorsOf(l.NamedParameters()) }

// NamedParameters returns "weight" and "bias".
func (l *Linear) NamedParameters() []Param { return weightAndBias(l.Weight, l.Bias) }

// Train does nothing: Linear is the same in both modes.
func (l *Linear) Train(bool) {}

// ReLU applies max(x, 0) elementwise.
type ReLU struct{}

// Forward returns x.Relu().
func (ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Relu() }

// Parameters returns nil: ReLU has none.
func (ReLU) Parameters() []*tensor.Tensor { return nil }

// NamedParameters returns nil.
func (ReLU) NamedParameters() []Param { return nil }

// Train does nothing.
func (ReLU) Train(bool) {}

// Flatten reshapes [N, d1, d2, ...] to [N, d1·d2·...], as PyTorch's
// nn.Flatten.
type Flatten struct{}

// Forward flattens every axis of x but the first.
func (Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	n := 1
	for _, d := range x.Shape()[1:] {
		n *= d
	}
	return x.Reshape(x.Dim(0), n)
}

// Parameters returns nil: Flatten has none.
func (Flatten) Parameters() []*tensor.Tensor { return nil }

// NamedParameters returns nil.
func (Flatten) NamedParameters() []Param { return nil }

// Train does nothing.
func (Flatten) Train(bool) {}

// Dropout zeroes each element with probability P in training mode and
// scales the rest by 1/(1−P), so that the expected output equals the input;
// in evaluation mode it passes the input through.
type Dropout struct {
	P    float32
	rng  *tensor.RNG
	eval bool
}

// NewDropout returns a Dropout layer in training mode drawing its masks
// from rng: the same seed and the same sequence of calls give the same
// masks on every backend.
func NewDropout(p float32, rng *tensor.RNG) *Dropout {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("nn.NewDropout: probability %v is not in [0, 1]", p))
	}
	return &Dropout{P: p, rng: rng}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if d.eval || d.P == 0 {
		return x
	}
	if d.P == 1 {
		return x.MulScalar(0)
	}
	var keep *tensor.Tensor
	if s := x.Scope(); s != nil {
		keep = s.Uniform(d.rng, 0, 1, x.Shape()...)
	} else {
		keep = x.Device().Uniform(d.rng, 0, 1, x.Shape()...)
	}
	keep = keep.GeScalar(d.P).AsType(x.DType()) // a 16-bit x stays 16-bit
	return x.Mul(keep).MulScalar(1 / (1 - d.P))
}

// Parameters returns nil: Dropout has none.
func (d *Dropout) Parameters() []*tensor.Tensor { return nil }

// NamedParameters returns nil.
func (d *Dropout) NamedParameters() []Param { return nil }

// Train switches dropout on (training) or off (evaluation).
func (d *Dropout) Train(on bool) { d.eval = !on }

// Sequential applies its layers in order.
type Sequential struct {
	Layers []Module
}

// NewSequential returns the composition of layers, first applied first.
func NewSequential(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Forward feeds x through every layer. A Linear directly followed by a
// ReLU runs as one fused layer (tensor.LinearReLU), which computes the same
// values and gradients without the intermediate tensor.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i := 0; i < len(s.Layers); i++ {
		if l, ok := s.Layers[i].(*Linear); ok && i+1 < len(s.Layers) && isReLU(s.Layers[i+1]) {
			x = l.forwardReLU(x)
			i++
			continue
		}
		x = s.Layers[i].Forward(x)
	}
	return x
}

// isReLU reports whether m is the ReLU layer (by value or pointer).
func isReLU(m Module) bool {
	switch m.(type) {
	case ReLU, *ReLU:
		return true
	}
	return false
}

// Parameters returns the parameters of every layer, in order.
func (s *Sequential) Parameters() []*tensor.Tensor { return tensorsOf(s.NamedParameters()) }

// NamedParameters returns the layers' parameters with each name prefixed
// by the layer's index, as PyTorch's nn.Sequential: "0.weight", "0.bias",
// "2.weight", ...
func (s *Sequential) NamedParameters() []Param {
	var ps []Param
	for i, l := range s.Layers {
		for _, p := range l.NamedParameters() {
			ps = append(ps, Param{fmt.Sprintf("%d.%s", i, p.Name), p.Tensor})
		}
	}
	return ps
}

// Train sets the mode of every layer.
func (s *Sequential) Train(on bool) {
	for _, l := range s.Layers {
		l.Train(on)
	}
}

// CrossEntropyLoss returns the mean over the batch of −log softmax(logits)
// at the target class, as PyTorch's nn.CrossEntropyLoss: logits is [N, C],
// targets is [N] holding class indices in [0, C) (Int32, or integers in a
// float dtype). It is computed stably by tensor.CrossEntropy, in one launch
// per pass where the backend fuses it, and always in float32: 16-bit
// logits are widened (their gradient is converted back), and the loss is
// Float32.
func CrossEntropyLoss(logits, targets *tensor.Tensor) *tensor.Tensor {
	if logits.Rank() != 2 || targets.Rank() != 1 || targets.Dim(0) != logits.Dim(0) {
		panic(&tensor.ShapeError{Op: "CrossEntropyLoss", Shapes: [][]int{logits.Shape(), targets.Shape()}, Reason: "are not logits [N, C] and targets [N]"})
	}
	return tensor.CrossEntropy(logits.AsType(tensor.Float32), targets)
}
