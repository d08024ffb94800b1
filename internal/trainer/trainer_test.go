package trainer

import (
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/tensor"
)

// synthetic returns n training and m test images whose label is the row
// band (of ten) that holds a bright bar, with noise elsewhere.
func synthetic(n, m int) *mnist.Dataset {
	r := rand.New(rand.NewPCG(1, 2))
	split := func(k int) mnist.Split {
		im := &mnist.Images{N: k, Rows: 28, Cols: 28, Pixels: make([]uint8, k*784)}
		labels := make([]uint8, k)
		for i := range k {
			l := uint8(r.IntN(10))
			labels[i] = l
			px := im.Pixels[i*784 : (i+1)*784]
			for j := range px {
				px[j] = uint8(r.IntN(60))
			}
			row := 2 + 2*int(l) + r.IntN(2)
			for c := 4 + r.IntN(4); c < 24; c++ {
				px[row*28+c] = 255
			}
		}
		return mnist.Split{Images: im, Labels: labels}
	}
	return &mnist.Dataset{Train: split(n), Test: split(m)}
}

// TestDTypes trains the MLP one epoch in each dtype: every one learns the
// synthetic task, computes in its dtype, and a 16-bit step holds at most
// 60% of the memory of a float32 step.
func TestDTypes(t *testing.T) {
	ds := synthetic(1024, 256)
	dev := tensor.CPU()
	stepBytes := map[tensor.DType]int64{}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.BFloat16, tensor.Float16} {
		data, err := UploadAs(dev, ds, 0, dt)
		if err != nil {
			t.Fatal(err)
		}
		if data.TrainX.DType() != dt || data.TestX.DType() != dt {
			t.Fatalf("%s: images uploaded as %s and %s", dt, data.TrainX.DType(), data.TestX.DType())
		}
		tr, err := New(Config{Model: "mlp", Epochs: 1, Batch: 128, LR: 0.05, Seed: 1, DType: dt}, dev, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tr.Model.Parameters() {
			if p.DType() != dt {
				t.Fatalf("%s: a parameter is %s", dt, p.DType())
			}
		}
		if (tr.Scaler != nil) != (dt == tensor.Float16) {
			t.Fatalf("%s: loss scaler %v", dt, tr.Scaler)
		}
		hist, err := tr.Run(nil)
		if err != nil {
			t.Fatal(err)
		}
		e := hist[0]
		t.Logf("%s: loss %.4f, accuracy %.2f%%, %.0f samples/s, step %d bytes, %d skipped", dt, e.TrainLoss, e.Accuracy, e.SamplesPerSec(), e.StepBytes, e.Skipped)
		if e.Accuracy < 90 {
			t.Errorf("%s: accuracy %.2f%% on the synthetic task, want ≥ 90%%", dt, e.Accuracy)
		}
		if e.StepBytes <= 0 {
			t.Errorf("%s: step memory %d bytes", dt, e.StepBytes)
		}
		stepBytes[dt] = e.StepBytes
	}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float16} {
		if got, f32 := stepBytes[dt], stepBytes[tensor.Float32]; 10*got > 6*f32 {
			t.Errorf("%s step holds %d bytes, float32's %d: want at most 60%%", dt, got, f32)
		}
	}
}

func TestNewRejectsInt32(t *testing.T) {
	data, err := Upload(tensor.CPU(), synthetic(8, 8), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Model: "mlp", Batch: 4, LR: 0.1, DType: tensor.Int32}, tensor.CPU(), data); err == nil {
		t.Fatal("New accepted Int32 training")
	}
}
