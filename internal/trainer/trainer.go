// Package trainer trains and evaluates the MNIST classifiers of
// cmd/mnist-gpu on any tensor backend. It lives apart from the command so
// that the benchmarks can time the same training loop.
//
// The whole data set is uploaded to the backend once. Each epoch draws a
// permutation on the host (a few hundred kilobytes), uploads it, and every
// batch is gathered on the device from it, so a training step — forward,
// backward and optimizer update — is recorded with no host round trip. The
// loss is read back only when progress is shown.
//
// With Config.DType BFloat16 or Float16 the model's parameters are held in
// that dtype and every batch is converted to it, so the forward and
// backward passes compute in 16 bits; SGD keeps Float32 master weights
// (see nn's "Mixed precision"), and Float16 training scales the loss with
// an nn.GradScaler, skipping the steps whose gradients overflow.
package trainer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// Config selects the model and the training hyper-parameters.
type Config struct {
	Model  string  // "mlp" or "cnn"
	Epochs int     // passes over the training set
	Batch  int     // samples per step
	LR     float32 // SGD learning rate (momentum 0.9)
	Seed   uint64  // initialization, shuffling and dropout
	Limit  int     // train on the first Limit samples only (0: all)
	// DType is the dtype of the parameters and of the computation:
	// tensor.Float32 (the zero value), tensor.BFloat16 or tensor.Float16.
	DType tensor.DType
	// Progress, when set, is called at the start of each epoch, after every
	// logged step and at the end of the epoch with the samples done so far in the epoch and the mean
	// training loss so far.
	Progress func(epoch, done, total int, loss float64)
	// Stop, when set, is asked after every logged step; when it reports
	// true, training ends with ErrStopped (a closed view window, say).
	Stop func() bool
	// LogEvery is how many steps pass between loss read-backs for Progress
	// (each read-back waits for the device). 0 means 20.
	LogEvery int
}

// ErrStopped is returned by TrainEpoch and Run when Config.Stop asked
// training to end early.
var ErrStopped = errors.New("training stopped")

// Epoch is what one epoch measured.
type Epoch struct {
	Epoch     int
	TrainLoss float64 // mean training loss over the epoch
	TestLoss  float64 // mean test loss after the epoch
	Accuracy  float64 // test accuracy after the epoch, percent
	Seconds   float64 // wall time of the training part of the epoch
	Samples   int     // training samples processed
	// Skipped counts the steps that GradScaler skipped for Inf or NaN
	// gradients (Float16 only).
	Skipped int
	// StepBytes is the most memory one training step (after the first of
	// the epoch) held at its end beyond what was live when it began
	// (tensor.MemStats.LiveBytes): the batch, the activations and the
	// gradients' temporaries, all freed when the step ends.
	StepBytes int64
}

// SamplesPerSec is the epoch's training throughput.
func (e Epoch) SamplesPerSec() float64 { return float64(e.Samples) / e.Seconds }

// NewModel builds the named model with parameters on dev, initialized from
// rng as PyTorch does.
//
//	mlp: 784-1024-1024-10 with ReLU
//	cnn: conv5x5(32, pad 2)-ReLU-pool2 → conv5x5(64, pad 2)-ReLU-pool2 → fc 1024-ReLU → fc 10
func NewModel(name string, dev *tensor.Device, rng *tensor.RNG) (nn.Module, error) {
	switch name {
	case "mlp":
		return nn.NewSequential(
			nn.Flatten{},
			nn.NewLinear(dev, rng, 784, 1024), nn.ReLU{},
			nn.NewLinear(dev, rng, 1024, 1024), nn.ReLU{},
			nn.NewLinear(dev, rng, 1024, 10),
		), nil
	case "cnn":
		return nn.NewSequential(
			nn.NewConv2d(dev, rng, 1, 32, 5, 1, 2), nn.ReLU{}, nn.MaxPool2d{Kernel: 2},
			nn.NewConv2d(dev, rng, 32, 64, 5, 1, 2), nn.ReLU{}, nn.MaxPool2d{Kernel: 2},
			nn.Flatten{},
			nn.NewLinear(dev, rng, 7*7*64, 1024), nn.ReLU{},
			nn.NewLinear(dev, rng, 1024, 10),
		), nil
	}
	return nil, fmt.Errorf("unknown model %q (want mlp or cnn)", name)
}

// Data is MNIST on a device: images as [N, 1, 28, 28] normalized with the
// data set's mean and standard deviation, labels as [N] class indices.
type Data struct {
	TrainX, TrainY, TestX, TestY *tensor.Tensor
}

// Upload normalizes ds and copies it to dev, keeping only the first limit
// training samples when limit > 0.
func Upload(dev *tensor.Device, ds *mnist.Dataset, limit int) (*Data, error) {
	trainX, testX := ds.Normalized(mnist.Mean, mnist.Std)
	n := ds.Train.Images.N
	if limit > 0 && limit < n {
		n = limit
		trainX = trainX[:n*784]
	}
	labels := func(ls []uint8) []float32 {
		out := make([]float32, len(ls))
		for i, l := range ls {
			out[i] = float32(l)
		}
		return out
	}
	d := &Data{
		TrainX: dev.FromSlice(trainX, n, 1, 28, 28),
		TrainY: dev.FromSlice(labels(ds.Train.Labels[:n]), n),
		TestX:  dev.FromSlice(testX, ds.Test.Images.N, 1, 28, 28),
		TestY:  dev.FromSlice(labels(ds.Test.Labels), ds.Test.Images.N),
	}
	for _, t := range []*tensor.Tensor{d.TrainX, d.TrainY, d.TestX, d.TestY} {
		if t.Err() != nil {
			return nil, fmt.Errorf("uploading MNIST to %s: %w", dev.Backend().Name(), t.Err())
		}
		tensor.Keep(t)
	}
	return d, nil
}

// UploadAs is Upload with the images converted to dt on the device (the
// labels stay Float32), so that the batches of a model computing in dt
// need no conversion and a 16-bit data set takes half the memory.
func UploadAs(dev *tensor.Device, ds *mnist.Dataset, limit int, dt tensor.DType) (*Data, error) {
	d, err := Upload(dev, ds, limit)
	if err != nil || dt == tensor.Float32 {
		return d, err
	}
	for _, x := range []**tensor.Tensor{&d.TrainX, &d.TestX} {
		c := (*x).AsType(dt)
		if err := c.Err(); err != nil {
			return nil, fmt.Errorf("converting MNIST to %s: %w", dt, err)
		}
		(*x).Release()
		*x = tensor.Keep(c)
	}
	return d, nil
}

// Trainer holds a model, its optimizer and the data.
type Trainer struct {
	Cfg    Config
	Model  nn.Module
	Opt    *nn.SGD
	Scaler *nn.GradScaler // the loss scaling of Float16 training; nil otherwise
	Data   *Data
	dev    *tensor.Device
	rng    *rand.Rand
}

// New builds the model of cfg on dev, in cfg.DType, with SGD, momentum 0.9.
func New(cfg Config, dev *tensor.Device, data *Data) (*Trainer, error) {
	switch cfg.DType {
	case tensor.Float32, tensor.BFloat16, tensor.Float16:
	default:
		return nil, fmt.Errorf("cannot train in %s (want float32, bfloat16 or float16)", cfg.DType)
	}
	model, err := NewModel(cfg.Model, dev, tensor.NewRNG(cfg.Seed))
	if err != nil {
		return nil, err
	}
	if err := nn.ToDType(model, cfg.DType); err != nil {
		return nil, err
	}
	opt := nn.NewSGD(model.Parameters(), cfg.LR)
	opt.Momentum = 0.9
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = 20
	}
	tr := &Trainer{Cfg: cfg, Model: model, Opt: opt, Data: data, dev: dev,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x6d6e697374))}
	if cfg.DType == tensor.Float16 {
		tr.Scaler = nn.NewGradScaler()
	}
	return tr, nil
}

// step runs the backward pass of loss and the update.
func (tr *Trainer) step(loss *tensor.Tensor) (skipped bool, err error) {
	if tr.Scaler == nil {
		if err := loss.Backward(); err != nil {
			return false, err
		}
		return false, tr.Opt.Step()
	}
	if err := tr.Scaler.ScaleLoss(loss).Backward(); err != nil {
		return false, err
	}
	stepped, err := tr.Scaler.Step(tr.Opt)
	return !stepped, err
}

// TrainEpoch runs one epoch of shuffled mini-batch SGD.
func (tr *Trainer) TrainEpoch(epoch int) (Epoch, error) {
	n := tr.Data.TrainY.Dim(0)
	perm := make([]float32, n)
	for i, p := range tr.rng.Perm(n) {
		perm[i] = float32(p)
	}
	order := tensor.Keep(tr.dev.FromSlice(perm, n))
	defer order.Release()
	lossSum := tensor.Keep(tr.dev.Zeros())
	defer lossSum.Release()

	tr.Model.Train(true)
	if tr.Cfg.Progress != nil {
		tr.Cfg.Progress(epoch, 0, n, 0)
	}
	start := time.Now()
	steps, logged := 0, 0.0
	checked := 0 // the last step after which the loss was seen finite
	skipped := 0
	var stepBytes int64
	var stepErr error
	for at := 0; at < n; at += tr.Cfg.Batch {
		bs := min(tr.Cfg.Batch, n-at)
		live := tensor.ReadMemStats().LiveBytes
		tr.dev.Step(func(s *tensor.Scope) {
			if at > 0 { // the first step also makes the gradients and the optimizer state
				defer func() { stepBytes = max(stepBytes, tensor.ReadMemStats().LiveBytes-live) }()
			}
			idx := s.Use(order.Narrow(0, at, bs))
			x := tr.Data.TrainX.IndexSelect(0, idx).AsType(tr.Cfg.DType)
			y := tr.Data.TrainY.IndexSelect(0, idx)
			loss := nn.CrossEntropyLoss(tr.Model.Forward(x), y)
			skip, err := tr.step(loss)
			if err != nil {
				stepErr = err
				return
			}
			if skip {
				skipped++
			}
			tr.Opt.ZeroGrad()
			if err := lossSum.Assign(s.Use(lossSum).Add(loss.Detach().MulScalar(float32(bs)))); err != nil {
				stepErr = err
			}
		})
		if stepErr != nil {
			return Epoch{}, stepErr
		}
		steps++
		done := at + bs
		if tr.Cfg.Progress != nil && (steps%tr.Cfg.LogEvery == 0 || done == n) {
			v, err := lossSum.Item()
			if err != nil {
				return Epoch{}, err
			}
			if err := checkLoss(epoch, steps, checked, v); err != nil {
				return Epoch{}, err
			}
			checked = steps
			logged = float64(v) / float64(done)
			tr.Cfg.Progress(epoch, done, n, logged)
			if tr.Cfg.Stop != nil && tr.Cfg.Stop() {
				return Epoch{}, ErrStopped
			}
		}
	}
	total, err := lossSum.Item() // waits for the last step
	if err != nil {
		return Epoch{}, err
	}
	if err := checkLoss(epoch, steps, checked, total); err != nil {
		return Epoch{}, err
	}
	sec := time.Since(start).Seconds()
	return Epoch{Epoch: epoch, TrainLoss: float64(total) / float64(n), Seconds: sec, Samples: n,
		Skipped: skipped, StepBytes: stepBytes}, nil
}

// ErrLossNotFinite is wrapped by the error of TrainEpoch and Run when the
// training loss became NaN or infinite (diverged): training stops there.
var ErrLossNotFinite = errors.New("training loss is not finite")

// checkLoss reports a loss sum that is NaN or infinite, naming the epoch
// and the steps between which it went so (the loss is read back only every
// LogEvery steps).
func checkLoss(epoch, step, finiteAt int, sum float32) error {
	if s := float64(sum); !math.IsNaN(s) && !math.IsInf(s, 0) {
		return nil
	}
	if finiteAt == 0 {
		return fmt.Errorf("epoch %d, step %d: %w (%v)", epoch, step, ErrLossNotFinite, sum)
	}
	return fmt.Errorf("epoch %d, step %d: %w (%v; it was finite after step %d)", epoch, step, ErrLossNotFinite, sum, finiteAt)
}

// Evaluate returns the mean loss and the accuracy (percent) on the test set.
func (tr *Trainer) Evaluate() (loss, acc float64, err error) {
	tr.Model.Train(false)
	defer tr.Model.Train(true)
	n := tr.Data.TestY.Dim(0)
	const batch = 1000
	lossSum := tensor.Keep(tr.dev.Zeros())
	correct := tensor.Keep(tr.dev.Zeros())
	defer lossSum.Release()
	defer correct.Release()
	for at := 0; at < n && err == nil; at += batch {
		bs := min(batch, n-at)
		tr.dev.NoGrad(func(s *tensor.Scope) {
			x := s.Use(tr.Data.TestX.Narrow(0, at, bs)).AsType(tr.Cfg.DType)
			y := s.Use(tr.Data.TestY.Narrow(0, at, bs))
			logits := tr.Model.Forward(x)
			l := nn.CrossEntropyLoss(logits, y).MulScalar(float32(bs))
			c := logits.ArgMax(1).Eq(y).Sum()
			if e := lossSum.Assign(lossSum.Add(l)); e != nil {
				err = e
			}
			if e := correct.Assign(correct.Add(c)); e != nil {
				err = e
			}
		})
	}
	if err != nil {
		return 0, 0, err
	}
	ls, err := lossSum.Item()
	if err != nil {
		return 0, 0, err
	}
	cs, err := correct.Item()
	if err != nil {
		return 0, 0, err
	}
	return float64(ls) / float64(n), 100 * float64(cs) / float64(n), nil
}

// Run trains for cfg.Epochs epochs, evaluating after each, and calls report
// with every epoch's figures. Stopped early, it returns the finished epochs
// with ErrStopped.
func (tr *Trainer) Run(report func(Epoch)) ([]Epoch, error) {
	var hist []Epoch
	for e := 1; e <= tr.Cfg.Epochs; e++ {
		ep, err := tr.TrainEpoch(e)
		if err != nil {
			return hist, err
		}
		if ep.TestLoss, ep.Accuracy, err = tr.Evaluate(); err != nil {
			return hist, err
		}
		hist = append(hist, ep)
		if report != nil {
			report(ep)
		}
	}
	return hist, nil
}
