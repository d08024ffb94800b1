package main

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// Config is a GPT's shape; it is stored with checkpoints.
type Config struct {
	Vocab  int `json:"vocab"`  // number of distinct bytes
	Ctx    int `json:"ctx"`    // context length
	Layers int `json:"layers"` // transformer blocks
	Width  int `json:"width"`  // embedding width C
	Heads  int `json:"heads"`  // attention heads (divide Width)
}

// GPT is a decoder-only transformer (GPT-2's layout, as nanoGPT's): token
// and position embeddings, pre-norm blocks, a final LayerNorm and a linear
// head without bias (not tied to the token embedding).
type GPT struct {
	Cfg    Config
	Tok    *nn.Embedding // wte [Vocab, C]
	Pos    *nn.Embedding // wpe [Ctx, C]
	Blocks []*nn.TransformerBlock
	LNF    *nn.LayerNorm
	Head   *nn.Linear // lm_head [Vocab, C], no bias

}

// NewGPT builds a GPT on dev and initializes it as GPT-2 (and the PyTorch
// reference, bench/chargpt_ref.py): weights of Linears and embeddings from
// N(0, 0.02), the residual projections (c_proj) from N(0, 0.02/√(2·Layers)),
// biases 0, LayerNorms 1 and 0.
func NewGPT(dev *tensor.Device, rng *tensor.RNG, cfg Config) *GPT {
	if cfg.Heads <= 0 || cfg.Width%cfg.Heads != 0 {
		panic(fmt.Sprintf("chargpt: %d heads do not divide width %d", cfg.Heads, cfg.Width))
	}
	g := &GPT{
		Cfg:  cfg,
		Tok:  nn.NewEmbedding(dev, rng, cfg.Vocab, cfg.Width),
		Pos:  nn.NewEmbedding(dev, rng, cfg.Ctx, cfg.Width),
		LNF:  nn.NewLayerNorm(dev, cfg.Width),
		Head: &nn.Linear{Weight: dev.Zeros(cfg.Vocab, cfg.Width).SetRequiresGrad(true)},
	}
	for range cfg.Layers {
		g.Blocks = append(g.Blocks, nn.NewTransformerBlock(dev, rng, cfg.Width, cfg.Heads))
	}
	proj := 0.02 / math.Sqrt(2*float64(cfg.Layers))
	for _, p := range g.NamedParameters() {
		t := p.Tensor
		var v *tensor.Tensor
		switch {
		case t.Rank() == 1:
			continue // biases 0, LayerNorm weights 1 already
		case hasSuffix(p.Name, "c_proj.weight"):
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
		for _, l := range []*nn.Linear{b.Attn.QKV, b.Attn.Proj, b.MLP.FC, b.MLP.Proj} {
			if err := l.Bias.Assign(dev.Zeros(l.Bias.Shape()...)); err != nil {
				panic(err)
			}
		}
	}
	return g
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// Forward maps ids [B, T] (T ≤ Ctx) to logits [B, T, Vocab].
func (g *GPT) Forward(ids *tensor.Tensor) *tensor.Tensor {
	t := ids.Dim(1)
	x := g.Tok.Forward(ids).Add(g.Pos.Weight.Narrow(0, 0, t))
	for _, b := range g.Blocks {
		x = b.Forward(x)
	}
	return g.Head.Forward(g.LNF.Forward(x))
}

// Parameters returns the parameters of NamedParameters.
func (g *GPT) Parameters() []*tensor.Tensor {
	ps := g.NamedParameters()
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.Tensor
	}
	return out
}

// NamedParameters uses nanoGPT's state-dict names.
func (g *GPT) NamedParameters() []nn.Param {
	add := func(ps []nn.Param, prefix string, m nn.Module) []nn.Param {
		for _, p := range m.NamedParameters() {
			ps = append(ps, nn.Param{Name: prefix + p.Name, Tensor: p.Tensor})
		}
		return ps
	}
	ps := add(nil, "transformer.wte.", g.Tok)
	ps = add(ps, "transformer.wpe.", g.Pos)
	for i, b := range g.Blocks {
		ps = add(ps, fmt.Sprintf("transformer.h.%d.", i), b)
	}
	ps = add(ps, "transformer.ln_f.", g.LNF)
	return add(ps, "lm_head.", g.Head)
}

// Train does nothing: the model has no dropout.
func (g *GPT) Train(bool) {}

// decayGroups splits the parameters for AdamW: Linear weights decay;
// biases, LayerNorms and the embeddings do not.
func (g *GPT) decayGroups() (decay, noDecay []nn.Param) {
	return nn.WeightDecayGroups(g.NamedParameters(), g.Tok.Weight, g.Pos.Weight)
}
