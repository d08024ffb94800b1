package nn

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// The layers of a transformer, written with tensor ops (so autograd
// differentiates them and they run on any backend); LayerNorm is one fused
// op (tensor.LayerNorm), attention one fused op
// (tensor.ScaledDotProductAttention). Parameter names follow
// nanoGPT's GPT-2 modules (ln_1, attn.c_attn, mlp.c_fc, ...), so weights
// map one to one onto a PyTorch state dict.

// LayerNorm normalizes the last axis of its input to zero mean and unit
// variance (the biased variance, as torch.nn.LayerNorm), then scales by
// Weight and shifts by Bias.
type LayerNorm struct {
	Weight, Bias *tensor.Tensor // [features]
	Eps          float32
}

// NewLayerNorm returns a LayerNorm over features on dev (nil:
// tensor.Default()) with weight 1, bias 0 and eps 1e-5, as PyTorch's.
func NewLayerNorm(dev *tensor.Device, features int) *LayerNorm {
	d := orDefault(dev)
	return &LayerNorm{
		Weight: d.Ones(features).SetRequiresGrad(true),
		Bias:   d.Zeros(features).SetRequiresGrad(true),
		Eps:    1e-5,
	}
}

// Forward normalizes x of shape [..., features].
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() == 0 || x.Dim(-1) != l.Weight.Dim(0) {
		panic(&tensor.ShapeError{Op: "LayerNorm", Shapes: [][]int{x.Shape(), l.Weight.Shape()}, Reason: "last axis is not the layer's feature count"})
	}
	return tensor.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}

// Parameters returns the weight and the bias.
func (l *LayerNorm) Parameters() []*tensor.Tensor { return tensorsOf(l.NamedParameters()) }

// NamedParameters returns "weight" and "bias".
func (l *LayerNorm) NamedParameters() []Param { return weightAndBias(l.Weight, l.Bias) }

// Train does nothing.
func (l *LayerNorm) Train(bool) {}

// Embedding maps integer ids to rows of a [count, dim] table.
type Embedding struct {
	Weight *tensor.Tensor // [count, dim]
}

// NewEmbedding returns an Embedding of count rows of dim on dev (nil:
// tensor.Default()), drawn from N(0, 1) as PyTorch's nn.Embedding.
func NewEmbedding(dev *tensor.Device, rng *tensor.RNG, count, dim int) *Embedding {
	return &Embedding{Weight: orDefault(dev).Normal(rng, 0, 1, count, dim).SetRequiresGrad(true)}
}

// Forward returns the rows named by ids (float32 integers in [0, count),
// any shape): the result has shape [ids..., dim]. The gradient adds into
// the rows used (IndexSelect's gradient).
func (e *Embedding) Forward(ids *tensor.Tensor) *tensor.Tensor {
	shape := append(append([]int{}, ids.Shape()...), e.Weight.Dim(1))
	return e.Weight.IndexSelect(0, ids.Reshape(-1)).Reshape(shape...)
}

// Parameters returns the weight.
func (e *Embedding) Parameters() []*tensor.Tensor { return []*tensor.Tensor{e.Weight} }

// NamedParameters returns "weight".
func (e *Embedding) NamedParameters() []Param { return []Param{{"weight", e.Weight}} }

// Train does nothing.
func (e *Embedding) Train(bool) {}

// activation is a parameterless elementwise layer.
type activation struct{}

func (activation) Parameters() []*tensor.Tensor { return nil }
func (activation) NamedParameters() []Param     { return nil }
func (activation) Train(bool)                   {}

// GELU applies x·Φ(x) with the exact normal CDF (torch.nn.GELU()).
type GELU struct{ activation }

// Forward returns x.Gelu().
func (GELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Gelu() }

// Tanh applies the hyperbolic tangent.
type Tanh struct{ activation }

// Forward returns x.Tanh().
func (Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Sigmoid applies 1/(1+e^−x).
type Sigmoid struct{ activation }

// Forward returns x.Sigmoid().
func (Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// SiLU applies x·sigmoid(x).
type SiLU struct{ activation }

// Forward returns x.SiLU().
func (SiLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// CausalSelfAttention is multi-head self-attention in which position t
// attends to positions 0…t only: for x of shape [B, T, C], one Linear makes
// queries, keys and values ([B, T, 3C], split into Heads heads of C/Heads),
// tensor.ScaledDotProductAttention (causal, scale 1/√D) attends over the
// [B, H, T, D] head views of that projection, and the heads' outputs are
// joined and mapped by a second Linear. On backends with fused attention
// (both of vktensor's) no [B, H, T, T] scores are stored. It has no
// dropout, so training and evaluation compute the same.
type CausalSelfAttention struct {
	QKV   *Linear // c_attn: C → 3C
	Proj  *Linear // c_proj: C → C
	Heads int
}

// NewCausalSelfAttention returns attention over width features in heads
// heads (heads must divide width) on dev, its Linears initialized as
// PyTorch's.
func NewCausalSelfAttention(dev *tensor.Device, rng *tensor.RNG, width, heads int) *CausalSelfAttention {
	if heads <= 0 || width%heads != 0 {
		panic(fmt.Sprintf("nn.NewCausalSelfAttention: %d heads do not divide width %d", heads, width))
	}
	return &CausalSelfAttention{QKV: NewLinear(dev, rng, width, 3*width), Proj: NewLinear(dev, rng, width, width), Heads: heads}
}

// Forward maps x of shape [B, T, C] to [B, T, C].
func (a *CausalSelfAttention) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() != 3 || x.Dim(2) != a.Proj.Weight.Dim(0) {
		panic(&tensor.ShapeError{Op: "CausalSelfAttention", Shapes: [][]int{x.Shape()}, Reason: fmt.Sprintf("is not [B, T, %d]", a.Proj.Weight.Dim(0))})
	}
	b, t, c := x.Dim(0), x.Dim(1), x.Dim(2)
	h, d := a.Heads, c/a.Heads
	qkv := a.QKV.Forward(x).Split(2, c, c, c)
	heads := func(u *tensor.Tensor) *tensor.Tensor { return u.Reshape(b, t, h, d).Permute(0, 2, 1, 3) }
	y := tensor.ScaledDotProductAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]), true, 0)
	return a.Proj.Forward(y.Permute(0, 2, 1, 3).Reshape(b, t, c))
}

// Parameters returns the parameters of NamedParameters.
func (a *CausalSelfAttention) Parameters() []*tensor.Tensor { return tensorsOf(a.NamedParameters()) }

// NamedParameters returns c_attn.weight, c_attn.bias, c_proj.weight and
// c_proj.bias.
func (a *CausalSelfAttention) NamedParameters() []Param {
	return prefixed(nil, "c_attn.", a.QKV, "c_proj.", a.Proj)
}

// Train does nothing.
func (a *CausalSelfAttention) Train(bool) {}

// prefixed appends the named parameters of each module after its prefix:
// pairs of (string, Module).
func prefixed(ps []Param, pairs ...any) []Param {
	for i := 0; i < len(pairs); i += 2 {
		prefix, m := pairs[i].(string), pairs[i+1].(Module)
		for _, p := range m.NamedParameters() {
			ps = append(ps, Param{prefix + p.Name, p.Tensor})
		}
	}
	return ps
}

// MLP is a transformer block's feed-forward part: Linear(C, 4C), GELU,
// Linear(4C, C).
type MLP struct {
	FC, Proj *Linear // c_fc, c_proj
}

// NewMLP returns an MLP of width C with hidden size hidden.
func NewMLP(dev *tensor.Device, rng *tensor.RNG, width, hidden int) *MLP {
	return &MLP{FC: NewLinear(dev, rng, width, hidden), Proj: NewLinear(dev, rng, hidden, width)}
}

// Forward maps [..., C] to [..., C].
func (m *MLP) Forward(x *tensor.Tensor) *tensor.Tensor { return m.Proj.Forward(m.FC.Forward(x).Gelu()) }

// Parameters returns the parameters of NamedParameters.
func (m *MLP) Parameters() []*tensor.Tensor { return tensorsOf(m.NamedParameters()) }

// NamedParameters returns c_fc.* and c_proj.*.
func (m *MLP) NamedParameters() []Param { return prefixed(nil, "c_fc.", m.FC, "c_proj.", m.Proj) }

// Train does nothing.
func (m *MLP) Train(bool) {}

// TransformerBlock is a pre-norm GPT block:
//
//	x ← x + Attn(LN1(x))
//	x ← x + MLP(LN2(x))
type TransformerBlock struct {
	LN1  *LayerNorm
	Attn *CausalSelfAttention
	LN2  *LayerNorm
	MLP  *MLP
}

// NewTransformerBlock returns a block of the given width and heads with
// an MLP of hidden size 4·width.
func NewTransformerBlock(dev *tensor.Device, rng *tensor.RNG, width, heads int) *TransformerBlock {
	return &TransformerBlock{
		LN1:  NewLayerNorm(dev, width),
		Attn: NewCausalSelfAttention(dev, rng, width, heads),
		LN2:  NewLayerNorm(dev, width),
		MLP:  NewMLP(dev, rng, width, 4*width),
	}
}

// Forward maps [B, T, C] to [B, T, C].
func (b *TransformerBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = x.Add(b.Attn.Forward(b.LN1.Forward(x)))
	return x.Add(b.MLP.Forward(b.LN2.Forward(x)))
}

// Parameters returns the parameters of NamedParameters.
func (b *TransformerBlock) Parameters() []*tensor.Tensor { return tensorsOf(b.NamedParameters()) }

// NamedParameters returns ln_1.*, attn.*, ln_2.* and mlp.*.
func (b *TransformerBlock) NamedParameters() []Param {
	return prefixed(nil, "ln_1.", b.LN1, "attn.", b.Attn, "ln_2.", b.LN2, "mlp.", b.MLP)
}

// Train does nothing: the block has no dropout.
func (b *TransformerBlock) Train(bool) {}
