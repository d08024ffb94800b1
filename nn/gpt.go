package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/vktensor/vktensor/tensor"
)

// GPTConfig is a GPT's shape.
type GPTConfig struct {
	Vocab  int `json:"vocab"`  // token ids (distinct bytes for chargpt)
	Ctx    int `json:"ctx"`    // context length
	Layers int `json:"layers"` // transformer blocks
	Width  int `json:"width"`  // embedding width C
	Heads  int `json:"heads"`  // attention heads (divide Width)
}

// GPT is a decoder-only transformer (GPT-2's layout, as nanoGPT's): token
// and position embeddings, pre-norm blocks, a final LayerNorm and a linear
// head without bias (not tied to the token embedding).
type GPT struct {
	Cfg    GPTConfig
	Tok    *Embedding // wte [Vocab, C]
	Pos    *Embedding // wpe [Ctx, C]
	Blocks []*TransformerBlock
	LNF    *LayerNorm
	Head   *Linear // lm_head [Vocab, C], no bias
}

// NewGPT builds a GPT on dev (nil: tensor.Default()) and initializes it
// from rng as GPT-2 (and bench/chargpt_ref.py): weights of Linears and
// embeddings from N(0, 0.02), the residual projections (c_proj) from
// N(0, 0.02/√(2·Layers)), biases 0, LayerNorms 1 and 0.
func NewGPT(dev *tensor.Device, rng *tensor.RNG, cfg GPTConfig) *GPT {
	dev = orDefault(dev)
	if cfg.Heads <= 0 || cfg.Width%cfg.Heads != 0 {
		panic(fmt.Sprintf("nn.NewGPT: %d heads do not divide width %d", cfg.Heads, cfg.Width))
	}
	g := &GPT{
		Cfg:  cfg,
		Tok:  NewEmbedding(dev, rng, cfg.Vocab, cfg.Width),
		Pos:  NewEmbedding(dev, rng, cfg.Ctx, cfg.Width),
		LNF:  NewLayerNorm(dev, cfg.Width),
		Head: &Linear{Weight: dev.Zeros(cfg.Vocab, cfg.Width).SetRequiresGrad(true)},
	}
	for range cfg.Layers {
		g.Blocks = append(g.Blocks, NewTransformerBlock(dev, rng, cfg.Width, cfg.Heads))
	}
	proj := 0.02 / math.Sqrt(2*float64(cfg.Layers))
	for _, p := range g.NamedParameters() {
		t := p.Tensor
		var v *tensor.Tensor
		switch {
		case t.Rank() == 1:
			continue // biases 0, LayerNorm weights 1 already
		case strings.HasSuffix(p.Name, "c_proj.weight"):
			v = dev.Normal(rng, 0, float32(proj), t.Shape()...)
		default:
			v = dev.Normal(rng, 0, 0.02, t.Shape()...)
		}
		if err := t.Assign(v); err != nil {
			panic(err)
		}
		v.Release()
	}
	for _, b := range g.Blocks {
		for _, l := range []*Linear{b.Attn.QKV, b.Attn.Proj, b.MLP.FC, b.MLP.Proj} {
			if err := l.Bias.Assign(dev.Zeros(l.Bias.Shape()...)); err != nil {
				panic(err)
			}
		}
	}
	return g
}

// Forward maps ids [B, T] (float32 integers in [0, Vocab), T ≤ Ctx) to
// logits [B, T, Vocab].
func (g *GPT) Forward(ids *tensor.Tensor) *tensor.Tensor {
	if ids.Rank() != 2 || ids.Dim(1) > g.Cfg.Ctx {
		panic(&tensor.ShapeError{Op: "GPT", Shapes: [][]int{ids.Shape()}, Reason: fmt.Sprintf("is not [B, T] with T ≤ context %d", g.Cfg.Ctx)})
	}
	t := ids.Dim(1)
	x := g.Tok.Forward(ids).Add(g.Pos.Weight.Narrow(0, 0, t))
	for _, b := range g.Blocks {
		x = b.Forward(x)
	}
	return g.Head.Forward(g.LNF.Forward(x))
}

// Parameters returns the parameters of NamedParameters.
func (g *GPT) Parameters() []*tensor.Tensor { return tensorsOf(g.NamedParameters()) }

// NamedParameters uses nanoGPT's state-dict names.
func (g *GPT) NamedParameters() []Param {
	ps := prefixed(nil, "transformer.wte.", g.Tok, "transformer.wpe.", g.Pos)
	for i, b := range g.Blocks {
		ps = prefixed(ps, fmt.Sprintf("transformer.h.%d.", i), b)
	}
	return prefixed(ps, "transformer.ln_f.", g.LNF, "lm_head.", g.Head)
}

// Train does nothing: the model has no dropout.
func (g *GPT) Train(bool) {}

// DecayGroups splits the parameters for AdamW (WeightDecayGroups): the
// Linear weights decay; biases, LayerNorms and the embeddings do not.
func (g *GPT) DecayGroups() (decay, noDecay []Param) {
	return WeightDecayGroups(g.NamedParameters(), g.Tok.Weight, g.Pos.Weight)
}
