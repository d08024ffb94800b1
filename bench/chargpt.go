package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// The gpt suite times one training step of cmd/chargpt's model (nn.GPT:
// forward, cross-entropy, backward, gradient clipping, AdamW) per preset
// and reports tokens per second (batch × context per step). With
// -with-torch, bench/chargpt_ref.py times the same step in PyTorch.

// gptPreset is a model and batch of cmd/chargpt's presets.
type gptPreset struct {
	name  string
	cfg   nn.GPTConfig
	batch int
	gpu   bool // run only on a real GPU (too slow for a CPU)
}

// Keep in step with cmd/chargpt's Presets (vocabulary: the corpus has 133
// distinct bytes).
var gptPresets = []gptPreset{
	{"tiny", nn.GPTConfig{Vocab: 133, Ctx: 64, Layers: 2, Width: 64, Heads: 4}, 16, false},
	{"small", nn.GPTConfig{Vocab: 133, Ctx: 256, Layers: 6, Width: 384, Heads: 6}, 32, true},
}

const gptNote = "samples/s here are tokens/s: batch × context per training step (forward, backward, clip, AdamW), random tokens; attention-* rows: one causal self-attention's forward and backward (the head views of a [batch, context, 3·width] projection, the sum's gradient back into it)"

// gpt runs the suite.
func (r *runner) gpt() {
	const suite = "gpt"
	for _, t := range r.targets {
		for _, p := range gptPresets {
			if p.gpu && (!t.gpu || r.cfg.quick || strings.Contains(strings.ToLower(t.device), "llvmpipe")) {
				continue
			}
			row := r.row(suite, "train-step-"+p.name, t.impl, t.device)
			tokens := p.batch * p.cfg.Ctx
			row.Shape, row.N = fmt.Sprintf("%dx%d", p.batch, p.cfg.Ctx), tokens
			row.Timing, row.Note = timingWall, gptNote
			st, err := measure(r.cfg, gptSampler(tensor.On(t.be), p))
			if err != nil {
				r.notef("%s: gpt %s: %v", t.impl, p.name, err)
				continue
			}
			row.fill(st)
			row.SamplesPerS = float64(tokens) / row.MedianS
			r.progress(row)
			r.rows = append(r.rows, row)
			r.gptAttention(t, p)
		}
	}
	if r.cfg.withTorch {
		r.rows = append(r.rows, r.gptTorch()...)
	}
	r.notef("%s", gptNote)
}

// gptSampler returns a sampler running inner training steps of preset p
// on dev (a fresh model per sampler).
func gptSampler(dev *tensor.Device, p gptPreset) sampler {
	rng := tensor.NewRNG(1)
	model := nn.NewGPT(dev, rng, p.cfg)
	decay, noDecay := model.DecayGroups()
	opt := nn.NewAdamWGroups(decay, noDecay, 1e-3, 0.1)
	opt.SetBetas(0.9, 0.95)
	tokens := p.batch * p.cfg.Ctx
	xs, ys := make([]float32, tokens), make([]float32, tokens)
	for i := range xs {
		xs[i], ys[i] = float32((i*7+3)%p.cfg.Vocab), float32((i*11+5)%p.cfg.Vocab)
	}
	return func(inner int) (time.Duration, error) {
		start := time.Now()
		var err error
		for range inner {
			dev.Step(func(s *tensor.Scope) {
				logits := model.Forward(s.FromSlice(xs, p.batch, p.cfg.Ctx)).Reshape(tokens, p.cfg.Vocab)
				loss := nn.CrossEntropyLoss(logits, s.FromSlice(ys, tokens))
				err = firstErr(err, loss.Backward())
				nn.ClipGradNorm(model.Parameters(), 1)
				err = firstErr(err, opt.Step())
				opt.ZeroGrad()
			})
		}
		// Sync before reading the clock: a GPU runs the steps after
		// they are recorded (return evaluates left to right).
		err = firstErr(err, dev.Backend().Sync())
		return time.Since(start), err
	}
}

// gptTorch runs bench/chargpt_ref.py in its bench mode for the same
// presets and devices and returns its rows.
func (r *runner) gptTorch() []Row {
	script := "bench/chargpt_ref.py"
	if _, err := os.Stat(script); err != nil {
		r.notef("-with-torch: %v (run from the repository root); no PyTorch rows", err)
		return nil
	}
	python := ""
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import torch").Run() == nil {
			python = py
			break
		}
	}
	if python == "" {
		r.notef("-with-torch: neither python3 nor /usr/bin/python3 imports torch; no PyTorch rows")
		return nil
	}
	var rows []Row
	for _, d := range r.cfg.devices {
		dev := map[string]string{"cpu": "cpu", "gpu": "cuda"}[d]
		for _, p := range gptPresets {
			if p.gpu && (dev == "cpu" || r.cfg.quick) {
				continue
			}
			args := []string{script, "--preset", p.name, "--device", dev, "--bench", strconv.Itoa(max(r.cfg.reps, 1)),
				"--threads", strconv.Itoa(r.mach.GOMAXPROCS), "--command", r.mach.Command}
			cmd := exec.Command(python, args...)
			cmd.Stderr = r.errOut
			// OpenMP threads that spin while waiting starve each other on
			// a loaded machine; sleeping is what the Go scheduler does.
			cmd.Env = append(os.Environ(), "OMP_WAIT_POLICY=PASSIVE")
			out, err := cmd.Output()
			if err != nil {
				r.notef("-with-torch: chargpt_ref.py --preset %s --device %s: %v", p.name, dev, err)
			}
			got, _ := parseRows(bytes.NewReader(out))
			for _, row := range got {
				r.progress(row)
			}
			rows = append(rows, got...)
		}
	}
	return rows
}

// gptAttention adds the row of preset p's attention alone: the forward
// and backward pass of tensor.ScaledDotProductAttention over the head
// views of one random [batch, ctx, 3·width] projection, in tokens/s.
func (r *runner) gptAttention(t *target, p gptPreset) {
	row := r.row("gpt", "attention-"+p.name, t.impl, t.device)
	tokens := p.batch * p.cfg.Ctx
	row.Shape, row.N = fmt.Sprintf("%dx%dx%dx%d", p.batch, p.cfg.Heads, p.cfg.Ctx, p.cfg.Width/p.cfg.Heads), tokens
	row.Timing = timingWall
	st, err := measure(r.cfg, attentionSampler(tensor.On(t.be), p))
	if err != nil {
		r.notef("%s: gpt attention %s: %v", t.impl, p.name, err)
		return
	}
	row.fill(st)
	row.SamplesPerS = float64(tokens) / row.MedianS
	r.progress(row)
	r.rows = append(r.rows, row)
}

// attentionSampler returns a sampler of inner forward and backward
// passes of preset p's causal attention on dev.
func attentionSampler(dev *tensor.Device, p gptPreset) sampler {
	b, t, c, h := p.batch, p.cfg.Ctx, p.cfg.Width, p.cfg.Heads
	x := dev.Normal(tensor.NewRNG(1), 0, 1, b, t, 3*c).SetRequiresGrad(true)
	return func(inner int) (time.Duration, error) {
		start := time.Now()
		var err error
		for range inner {
			dev.Step(func(s *tensor.Scope) {
				qkv := x.Split(2, c, c, c)
				heads := func(u *tensor.Tensor) *tensor.Tensor { return u.Reshape(b, t, h, c/h).Permute(0, 2, 1, 3) }
				y := tensor.ScaledDotProductAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]), true, 0)
				err = firstErr(err, y.Sum().Backward())
				x.ZeroGrad()
			})
		}
		// Sync before reading the clock: a GPU runs the steps after
		// they are recorded (return evaluates left to right).
		err = firstErr(err, dev.Backend().Sync())
		return time.Since(start), err
	}
}
