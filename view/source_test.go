package view_test

import (
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/view"
)

// fakeModel is a model from outside the module: it scores class
// (label+shift[i])%10 highest for digit i and has one 16×784 weight.
type fakeModel struct {
	labels  []int
	w       *tensor.Tensor
	modes   []bool // Train calls
	inEval  bool   // Forward ran in evaluation mode
	forward int
}

func (m *fakeModel) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.forward++
	m.inEval = len(m.modes) > 0 && !m.modes[len(m.modes)-1]
	n := x.Dim(0)
	scores := make([]float32, n*10)
	for i := range n {
		scores[i*10+(m.labels[i]+i%2)%10] = 1
	}
	return tensor.FromSlice(scores, n, 10)
}

func (m *fakeModel) Parameters() []*tensor.Tensor { return []*tensor.Tensor{m.w} }
func (m *fakeModel) Train(on bool)                { m.modes = append(m.modes, on) }

func TestSourceFrame(t *testing.T) {
	const n = view.Digits + 3
	images := make([]float32, n*28*28)
	for i := range images {
		images[i] = float32(i%97) / 97
	}
	labels := make([]float32, n)
	ints := make([]int, n)
	for i := range labels {
		ints[i] = (3*i + 1) % 10
		labels[i] = float32(ints[i])
	}
	w := make([]float32, 16*784)
	for i := range w {
		w[i] = float32(i%13) - 6
	}
	m := &fakeModel{labels: ints, w: tensor.FromSlice(w, 16, 784)}
	src, err := view.NewSource(m, tensor.FromSlice(images, n, 1, 28, 28), tensor.FromSlice(labels, n), "title")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.AddLoss(0.5, 2.3)
	f, err := src.Frame("status", "footer")
	if err != nil {
		t.Fatal(err)
	}
	if m.forward != 1 || !m.inEval || len(m.modes) != 2 || !m.modes[1] {
		t.Errorf("Forward calls %d, in evaluation mode %v, Train calls %v: want one Forward in evaluation mode, then training mode again", m.forward, m.inEval, m.modes)
	}
	if f.Title != "title" || f.Status != "status" || f.Footer != "footer" || len(f.Loss) != 1 {
		t.Errorf("frame text %q %q %q, %d loss points", f.Title, f.Status, f.Footer, len(f.Loss))
	}
	for i := range view.Digits {
		if f.Label[i] != ints[i] || f.Pred[i] != (ints[i]+i%2)%10 {
			t.Fatalf("digit %d: label %d pred %d, want %d and %d", i, f.Label[i], f.Pred[i], ints[i], (ints[i]+i%2)%10)
		}
	}
	if len(f.DigitImages) != view.Digits*28*28 || f.DigitImages[28*28+5] != images[28*28+5] {
		t.Errorf("digit images: %d values", len(f.DigitImages))
	}
	if f.WeightCount != 16 || f.WeightSize != 28 || len(f.Weights) != 16*784 {
		t.Fatalf("weights: %d of %d×%d, %d values", f.WeightCount, f.WeightSize, f.WeightSize, len(f.Weights))
	}
	// Each neuron's weights are scaled by their largest magnitude (6).
	for i, v := range f.Weights {
		if want := w[i] / 6; math.Abs(float64(v-want)) > 1e-6 {
			t.Fatalf("weight %d = %v, want %v", i, v, want)
		}
	}
}

func TestSourceTooFewDigits(t *testing.T) {
	m := &fakeModel{w: tensor.Zeros(1, 784)}
	if _, err := view.NewSource(m, tensor.Zeros(3, 1, 28, 28), tensor.Zeros(3), ""); err == nil {
		t.Error("NewSource with 3 test images: no error")
	}
}
