// Command chargpt trains a character-level (byte-level) GPT on the Go
// installation's own source code: the non-test .go files of a fixed list
// of packages under $(go env GOROOT)/src, split by file into training and
// validation text (nothing is downloaded). It prints its progress (loss,
// tokens/s, ETA), the validation loss, optionally a sample generated from a
// prompt, and last, exactly one line
//
//	val bpc: N.NNN
//
// the validation loss in bits per character (per byte: Go source is
// nearly all ASCII).
//
//	go run ./cmd/chargpt -device cpu -preset tiny   # ≤ 5 minutes on 2 CPU cores
//	go run ./cmd/chargpt -preset small              # on a GPU
//	go run ./cmd/chargpt -device cpu -preset tiny -save gpt.safetensors
//	go run ./cmd/chargpt -load gpt.safetensors -sample "func main() {"
//
// -device is "auto" (the default: the best GPU through Vulkan, else the
// CPU backend), "cpu", or a Vulkan device index or name substring, as in
// cmd/mnist-gpu; -seed seeds the initialization, the batches and the
// sampling; -steps overrides the preset's step count. bench/chargpt_ref.py
// is the same model, data, initialization, optimizer and schedule in
// PyTorch.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

// Preset is a model and its training run.
type Preset struct {
	Model       nn.GPTConfig
	Batch       int     // sequences per step
	Steps       int     // optimizer steps
	LR, MinLR   float64 // peak and final learning rate
	Warmup      int     // warmup steps
	WeightDecay float32
	EvalWindows int // validation windows of Ctx+1 bytes
}

// Presets: tiny trains in under 5 minutes on 2 CPU cores, small is for a
// GPU; smoke is for the tests.
var Presets = map[string]Preset{
	"tiny":  {Model: nn.GPTConfig{Ctx: 64, Layers: 2, Width: 64, Heads: 4}, Batch: 16, Steps: 1000, LR: 3e-3, MinLR: 3e-4, Warmup: 50, WeightDecay: 0.1, EvalWindows: 256},
	"small": {Model: nn.GPTConfig{Ctx: 256, Layers: 6, Width: 384, Heads: 6}, Batch: 32, Steps: 3000, LR: 1e-3, MinLR: 1e-4, Warmup: 100, WeightDecay: 0.1, EvalWindows: 512},
	"smoke": {Model: nn.GPTConfig{Ctx: 16, Layers: 1, Width: 16, Heads: 2}, Batch: 4, Steps: 30, LR: 1e-2, MinLR: 1e-3, Warmup: 3, WeightDecay: 0.1, EvalWindows: 8},
}

// State is what a checkpoint stores beside the weights and optimizer.
type State struct {
	Preset string       `json:"preset"`
	Config nn.GPTConfig `json:"config"`
	Vocab  []byte       `json:"vocab"` // the vocabulary's bytes in id order (base64: not all are UTF-8)
	Step   int          `json:"step"`  // optimizer steps taken
	Seed   uint64       `json:"seed"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "chargpt:", err)
		}
		os.Exit(2)
	}
}

// Result is what a run measured, for the tests.
type Result struct {
	Losses []float32 // training loss of every step
	ValBPC float64
	Sample string
}

// run parses args, trains and evaluates; res, if not nil, gets the
// figures.
func run(args []string, stdout, stderr io.Writer, res *Result) error {
	fs := flag.NewFlagSet("chargpt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "tiny", "model and run size: tiny (2 CPU cores, ≤ 5 min), small (a GPU)")
	device := fs.String("device", "auto", `"auto" (the best GPU through Vulkan, else the CPU), "cpu", or a Vulkan device index or name substring`)
	steps := fs.Int("steps", -1, "optimizer steps (default: the preset's; 0 with -load)")
	seed := fs.Uint64("seed", 1, "seed of the initialization, the batches and the sampling")
	save := fs.String("save", "", "write the model, optimizer state and settings to this safetensors file")
	load := fs.String("load", "", "start from this checkpoint (written by -save)")
	sample := fs.String("sample", "", "generate text after this prompt")
	sampleLen := fs.Int("sample-len", 300, "bytes to generate with -sample")
	temp := fs.Float64("temperature", 0.8, "sampling temperature")
	goroot := fs.String("goroot", "", "Go installation to read (default: go env GOROOT)")
	every := fs.Int("progress", 0, "print progress every this many steps (default: about 20 lines)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var saved *State
	if *load != "" {
		saved = new(State)
		if err := nn.ReadHParams(*load, saved); err != nil {
			return err
		}
		*preset = saved.Preset // the checkpoint's corpus and schedule
	}
	pre, ok := Presets[*preset]
	if !ok {
		return fmt.Errorf("unknown -preset %q (tiny, small)", *preset)
	}
	root := *goroot
	if root == "" {
		root = goRoot()
	}
	packages := Packages
	if *preset == "smoke" {
		packages = []string{"container/heap", "container/list", "encoding/csv", "errors", "path", "unicode/utf8", "text/tabwriter", "io"}
	}
	corpus, err := LoadCorpus(root, packages)
	if err != nil {
		return err
	}
	vocab := NewVocab(corpus.Train, corpus.Val)
	trainIDs, err := vocab.Encode(corpus.Train)
	if err != nil {
		return err
	}
	valIDs, err := vocab.Encode(corpus.Val)
	if err != nil {
		return err
	}

	dev, closeDev, err := openDevice(*device, stderr)
	if err != nil {
		return err
	}
	defer closeDev()

	state := State{Preset: *preset, Config: pre.Model, Vocab: vocab.Bytes, Seed: *seed}
	state.Config.Vocab = len(vocab.Bytes)
	if saved != nil {
		if !bytes.Equal(saved.Vocab, state.Vocab) {
			return fmt.Errorf("%s was trained on another vocabulary (%d bytes, this corpus has %d)", *load, len(saved.Vocab), len(vocab.Bytes))
		}
		state = *saved
	}
	cfg := state.Config
	if *steps < 0 {
		*steps = pre.Steps
		if *load != "" {
			*steps = 0
		}
	}
	rng := tensor.NewRNG(*seed)
	model := nn.NewGPT(dev, rng, cfg)
	decay, noDecay := model.DecayGroups()
	opt := nn.NewAdamWGroups(decay, noDecay, float32(pre.LR), pre.WeightDecay)
	opt.SetBetas(0.9, 0.95)
	if *load != "" {
		if err := nn.LoadCheckpoint(*load, model, opt); err != nil {
			return err
		}
	}
	nparams := 0
	for _, p := range model.Parameters() {
		nparams += p.Size()
	}
	fmt.Fprintf(stdout, "chargpt: %s preset on %s: %d layers, width %d, %d heads, context %d, vocabulary %d, %.2fM parameters\n",
		state.Preset, dev, cfg.Layers, cfg.Width, cfg.Heads, cfg.Ctx, cfg.Vocab, float64(nparams)/1e6)
	fmt.Fprintf(stdout, "chargpt: corpus %d files of %d packages from %s/src: %d training bytes, %d validation bytes\n",
		corpus.Files, len(packages), root, len(corpus.Train), len(corpus.Val))

	// Training: the schedule spans the preset's steps from the saved step.
	sched := nn.WarmupCosine{Max: pre.LR, Min: pre.MinLR, Warmup: pre.Warmup, Total: max(pre.Steps, state.Step+*steps)}
	batchRand := rand.New(rand.NewPCG(*seed, uint64(state.Step)))
	tokens := pre.Batch * cfg.Ctx
	xs, ys := make([]float32, tokens), make([]float32, tokens)
	if *every <= 0 {
		*every = max(*steps/20, 1)
	}
	start := time.Now()
	var trainErr error
	for i := range *steps {
		for b := range pre.Batch {
			at := batchRand.IntN(len(trainIDs) - cfg.Ctx - 1)
			for k := range cfg.Ctx {
				xs[b*cfg.Ctx+k] = float32(trainIDs[at+k])
				ys[b*cfg.Ctx+k] = float32(trainIDs[at+k+1])
			}
		}
		step := state.Step + i
		opt.SetLR(sched.At(step))
		show := (i+1)%*every == 0 || i == *steps-1 || i == 0
		dev.Step(func(s *tensor.Scope) {
			logits := model.Forward(s.FromSlice(xs, pre.Batch, cfg.Ctx))
			loss := nn.CrossEntropyLoss(logits.Reshape(tokens, cfg.Vocab), s.FromSlice(ys, tokens))
			if err := loss.Backward(); err != nil {
				trainErr = err
				return
			}
			nn.ClipGradNorm(model.Parameters(), 1)
			if err := opt.Step(); err != nil {
				trainErr = err
				return
			}
			opt.ZeroGrad()
			if show || res != nil {
				l, err := loss.Item()
				if err != nil {
					trainErr = err
					return
				}
				if res != nil {
					res.Losses = append(res.Losses, l)
				}
				if show {
					el := time.Since(start)
					tps := float64((i+1)*tokens) / el.Seconds()
					eta := time.Duration(float64(el) / float64(i+1) * float64(*steps-i-1))
					fmt.Fprintf(stdout, "step %5d/%d  loss %.4f  lr %.2e  %7.0f tokens/s  elapsed %s  ETA %s\n",
						step+1, state.Step+*steps, l, sched.At(step), tps, el.Round(time.Second), eta.Round(time.Second))
				}
			}
		})
		if trainErr != nil {
			return fmt.Errorf("step %d: %w", step+1, trainErr)
		}
	}
	if *steps > 0 {
		el := time.Since(start)
		fmt.Fprintf(stdout, "trained %d steps in %s: %.0f tokens/s\n", *steps, el.Round(time.Millisecond), float64(*steps*tokens)/el.Seconds())
	}
	state.Step += *steps
	if *save != "" {
		if err := nn.SaveCheckpoint(*save, model, opt, state); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved %s\n", *save)
	}

	evalStart := time.Now()
	nats, err := evaluate(dev, model, valIDs, pre.EvalWindows, pre.Batch)
	if err != nil {
		return err
	}
	bpc := nats / math.Ln2
	fmt.Fprintf(stdout, "validation: %d windows of %d bytes, loss %.4f nats (%s)\n", pre.EvalWindows, cfg.Ctx, nats, time.Since(evalStart).Round(time.Millisecond))

	if *sample != "" {
		text, err := generate(dev, model, vocab, []byte(*sample), *sampleLen, float32(*temp), *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sample:\n%s\n", text)
		if res != nil {
			res.Sample = text
		}
	}
	if res != nil {
		res.ValBPC = bpc
	}
	fmt.Fprintf(stdout, "val bpc: %.3f\n", bpc)
	return nil
}

// evalStarts returns n window starts spread evenly over a text of length
// size, for windows of w+1 bytes (bench/chargpt_ref.py uses the same).
func evalStarts(size, w, n int) []int {
	last := size - w - 1
	out := make([]int, n)
	for i := range out {
		if n > 1 {
			out[i] = int(int64(i) * int64(last) / int64(n-1))
		}
	}
	return out
}

// evaluate returns the mean cross-entropy in nats of predicting every
// byte of n fixed validation windows from the ones before it.
func evaluate(dev *tensor.Device, model *nn.GPT, ids []int32, n, batch int) (float64, error) {
	w := model.Cfg.Ctx
	starts := evalStarts(len(ids), w, n)
	total := 0.0
	for at := 0; at < len(starts); at += batch {
		bs := starts[at:min(at+batch, len(starts))]
		xs, ys := make([]float32, len(bs)*w), make([]float32, len(bs)*w)
		for b, s := range bs {
			for k := range w {
				xs[b*w+k], ys[b*w+k] = float32(ids[s+k]), float32(ids[s+k+1])
			}
		}
		var err error
		dev.NoGrad(func(s *tensor.Scope) {
			logits := model.Forward(s.FromSlice(xs, len(bs), w)).Reshape(len(bs)*w, model.Cfg.Vocab)
			var l float32
			l, err = nn.CrossEntropyLoss(logits, s.FromSlice(ys, len(bs)*w)).Item()
			total += float64(l) * float64(len(bs))
		})
		if err != nil {
			return 0, err
		}
	}
	return total / float64(len(starts)), nil
}

// generate continues prompt by n bytes sampled from the model's
// distribution at temperature temp (tensor.Multinomial, seeded).
func generate(dev *tensor.Device, model *nn.GPT, vocab *Vocab, prompt []byte, n int, temp float32, seed uint64) (string, error) {
	ids, err := vocab.Encode(prompt)
	if err != nil {
		return "", fmt.Errorf("-sample: %w", err)
	}
	if len(ids) == 0 {
		ids = []int32{int32(vocab.ID['\n'])}
	}
	if !(temp > 0) {
		return "", fmt.Errorf("-temperature %v is not positive", temp)
	}
	rng := tensor.NewRNG(seed ^ 0x5a5a)
	out := append([]byte{}, prompt...)
	for range n {
		ctx := ids[max(len(ids)-model.Cfg.Ctx, 0):]
		xs := make([]float32, len(ctx))
		for i, v := range ctx {
			xs[i] = float32(v)
		}
		var next float32
		dev.NoGrad(func(s *tensor.Scope) {
			logits := model.Forward(s.FromSlice(xs, 1, len(xs))).Index(1, len(xs)-1) // [1, V]
			probs := logits.DivScalar(temp).Softmax(-1)
			next, err = tensor.Multinomial(rng, probs, 1).Item()
		})
		if err != nil {
			return "", err
		}
		ids = append(ids, int32(next))
		out = append(out, vocab.Bytes[int(next)])
	}
	return string(out), nil
}

// goRoot is `go env GOROOT`, else $GOROOT.
func goRoot() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			return s
		}
	}
	return os.Getenv("GOROOT")
}

// openDevice opens the device -device names, as cmd/mnist-gpu does.
func openDevice(spec string, notice io.Writer) (*tensor.Device, func(), error) {
	if spec == "cpu" {
		return tensor.CPU(), func() {}, nil
	}
	opts := gpu.Options{OnValidation: func(msg string) { fmt.Fprintln(notice, "vulkan validation:", msg) }}
	if spec != "auto" {
		opts.Select, opts.AllowCPU = spec, true
	}
	b, err := vulkan.New(vulkan.WithGPUOptions(opts))
	if err != nil {
		if spec != "auto" {
			return nil, nil, fmt.Errorf("opening Vulkan device %q: %w", spec, err)
		}
		fmt.Fprintf(notice, "no usable GPU (%v): training on the CPU backend\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return tensor.CPU(), func() {}, nil
	}
	return tensor.On(b), func() { b.Close() }, nil
}
