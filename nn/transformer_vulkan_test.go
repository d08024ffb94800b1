package nn

import (
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor"
)

// TestTransformerVulkan builds the same small transformer (Embedding,
// TransformerBlock, LayerNorm, head) on the CPU and on the Vulkan backend
// (lavapipe where there is no GPU, validation on), and checks that the
// forward pass, every loss, the gradients, ClipGradNorm and an AdamW step
// agree.
func TestTransformerVulkan(t *testing.T) {
	vk := openVulkan(t)
	const vocab, seq, c, h, b = 11, 6, 8, 2, 2
	build := func(d *tensor.Device) *tinyLM {
		rng := tensor.NewRNG(31)
		m := &tinyLM{emb: NewEmbedding(d, rng, vocab, c), blk: NewTransformerBlock(d, rng, c, h), ln: NewLayerNorm(d, c), head: NewLinear(d, rng, c, vocab)}
		dec, no := WeightDecayGroups(m.params(), m.emb.Weight)
		m.opt = NewAdamWGroups(dec, no, 0.01, 0.1)
		return m
	}
	ids := []float32{1, 4, 10, 0, 3, 3, 7, 2, 9, 5, 6, 8}
	next := []float32{4, 10, 0, 3, 3, 7, 2, 9, 5, 6, 8, 1}
	results := map[string][][]float32{}
	for _, d := range []*tensor.Device{tensor.CPU(), tensor.On(vk)} {
		m := build(d)
		var outs [][]float32
		d.Step(func(s *tensor.Scope) {
			x := s.FromSlice(ids, b, seq)
			logits := m.head.Forward(m.ln.Forward(m.blk.Forward(m.emb.Forward(x)))) // [b, seq, vocab]
			flat := logits.Reshape(b*seq, vocab)
			y := s.FromSlice(next)
			probs := flat.Softmax(1)
			onehot := y.OneHot(vocab)
			losses := []*tensor.Tensor{
				CrossEntropyLoss(flat, y),
				NLLLoss(flat.LogSoftmax(1), y),
				MSELoss(probs, onehot),
				L1Loss(probs, onehot),
				BCEWithLogitsLoss(flat, onehot),
				MSELoss(SiLU{}.Forward(flat).Add(Tanh{}.Forward(flat)).Add(Sigmoid{}.Forward(flat)).Add(GELU{}.Forward(flat)), onehot),
			}
			total := losses[0]
			for _, l := range losses[1:] {
				total = total.Add(l)
			}
			if err := total.Backward(); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, get(t, logits))
			for _, l := range losses {
				outs = append(outs, get(t, l))
			}
			for _, p := range m.params() {
				outs = append(outs, get(t, p.Tensor.Grad()))
			}
			outs = append(outs, get(t, ClipGradNorm(tensorsOf(m.params()), 0.5)))
			if err := m.opt.Step(); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.params() {
				outs = append(outs, get(t, p.Tensor))
			}
		})
		results[d.String()] = outs
	}
	cpu, gpuOut := results[tensor.CPU().String()], results[tensor.On(vk).String()]
	if len(cpu) != len(gpuOut) {
		t.Fatalf("%d CPU results, %d Vulkan", len(cpu), len(gpuOut))
	}
	nParams := len(build(tensor.CPU()).params())
	firstGrad, firstAfter := 7, 7+nParams+1
	for i := range cpu {
		for k := range cpu[i] {
			w, g := float64(cpu[i][k]), float64(gpuOut[i][k])
			// Adam's first step moves an element by ≈ LR·sign(g) however
			// small g is: where the exact gradient is 0 (the key bias:
			// softmax ignores a shift of every score) rounding noise picks
			// the sign, so such elements are not compared after the step.
			if i >= firstAfter && math.Abs(float64(cpu[firstGrad+i-firstAfter][k])) < 1e-4 {
				continue
			}
			if !(math.Abs(w-g) <= 2e-4*(1+math.Abs(w))) {
				t.Fatalf("result %d element %d: Vulkan %v, CPU %v", i, k, g, w)
			}
		}
	}
}

// tinyLM is an embedding, a block, a LayerNorm and a head.
type tinyLM struct {
	emb  *Embedding
	blk  *TransformerBlock
	ln   *LayerNorm
	head *Linear
	opt  *AdamGroups
}

func (m *tinyLM) params() []Param {
	return prefixed(nil, "wte.", m.emb, "h.", m.blk, "ln_f.", m.ln, "head.", m.head)
}

// get reads x, failing the test on error.
func get(t *testing.T, x *tensor.Tensor) []float32 {
	t.Helper()
	if x == nil {
		t.Fatal("nil tensor")
	}
	return data(t, x)
}
