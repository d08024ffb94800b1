package view

import (
	"fmt"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/tensor"
)

// Model is what a Source needs of the network being trained (nn.Module
// has these methods): its first parameter is the first layer's weights,
// and Forward maps [N, 1, 28, 28] digits to [N, 10] class scores.
type Model interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Parameters() []*tensor.Tensor
	// Train switches training mode on or off (evaluation mode).
	Train(on bool)
}

// Source builds frames from a training run: the first 64 test digits, the
// model's predictions for them and its first layer's weights (both computed
// on the training device, only the small results are read back), and the
// loss and accuracy history it is told about.
type Source struct {
	model  Model
	x      *tensor.Tensor // the 64 grid digits, [64, 1, 28, 28], normalized
	labels []int
	images []float32

	// Title is the frame's first line.
	Title string
	// Loss and Accuracy are the curves drawn; see Frame.
	Loss, Accuracy []Point
}

// maxLossPoints bounds the loss curve: when it is full, every other point
// is dropped.
const maxLossPoints = 1024

// NewSource takes the grid's digits from the first 64 test images testX
// ([N, 1, 28, 28], normalized with mnist.Mean and mnist.Std) and their
// labels testY ([N]), and draws model's predictions for them.
func NewSource(model Model, testX, testY *tensor.Tensor, title string) (*Source, error) {
	if testY.Dim(0) < Digits || testX.Dim(0) < Digits {
		return nil, fmt.Errorf("view: %d test images and %d labels, need %d", testX.Dim(0), testY.Dim(0), Digits)
	}
	s := &Source{model: model, Title: title}
	s.x = tensor.Keep(testX.Narrow(0, 0, Digits))
	var err error
	if s.images, err = s.x.Data(); err != nil {
		return nil, err
	}
	ys, err := testY.Narrow(0, 0, Digits).Data()
	if err != nil {
		return nil, err
	}
	s.labels = make([]int, Digits)
	for i, y := range ys {
		s.labels[i] = int(y)
	}
	return s, nil
}

// Close releases the device copy of the grid's digits.
func (s *Source) Close() { s.x.Release() }

// AddLoss appends a point of the training-loss curve (x: fraction of the
// planned training done).
func (s *Source) AddLoss(x, loss float64) {
	if len(s.Loss) >= maxLossPoints {
		kept := s.Loss[:0]
		for i := 0; i < len(s.Loss); i += 2 {
			kept = append(kept, s.Loss[i])
		}
		s.Loss = kept
	}
	s.Loss = append(s.Loss, Point{x, loss})
}

// AddAccuracy appends a point of the test-accuracy curve (percent).
func (s *Source) AddAccuracy(x, acc float64) { s.Accuracy = append(s.Accuracy, Point{x, acc}) }

// Frame computes the predictions and the weight images on the training
// device and returns the frame with status as its second line and footer
// as its last. The model is put in evaluation mode for the 64-digit
// forward pass and back in training mode afterwards.
func (s *Source) Frame(status, footer string) (*Frame, error) {
	f := &Frame{
		Title: s.Title, Status: status, Footer: footer,
		DigitScale: mnist.Std, DigitBias: mnist.Mean,
		DigitImages: s.images,
		Label:       s.labels,
		Loss:        s.Loss,
		Accuracy:    s.Accuracy,
	}
	var pred, w []float32
	var err error
	var wshape []int
	s.model.Train(false)
	defer s.model.Train(true)
	s.x.Device().NoGrad(func(sc *tensor.Scope) {
		p := s.model.Forward(sc.Use(s.x)).ArgMax(1)
		first := sc.Use(s.model.Parameters()[0])
		wshape = first.Shape()
		k := min(first.Dim(0), MaxWeights)
		flat := first.Narrow(0, 0, k).Reshape(k, -1)
		scale := flat.Abs().MaxKeepDims(1).MaximumScalar(1e-12)
		if pred, err = p.Data(); err != nil {
			return
		}
		w, err = flat.Div(scale).Data()
	})
	if err != nil {
		return nil, err
	}
	f.Pred = make([]int, Digits)
	for i, v := range pred {
		f.Pred[i] = int(v)
	}
	k := min(wshape[0], MaxWeights)
	side := 0
	switch n := len(w) / max(k, 1); n {
	case 28 * 28:
		side = 28
		f.WeightTitle = fmt.Sprintf("first layer: weights of %d of %d neurons as 28x28 images", k, wshape[0])
	default:
		for side*side < n {
			side++
		}
		if side*side != n {
			return nil, fmt.Errorf("view: first-layer weights of shape %v are not square images", wshape)
		}
		f.WeightTitle = fmt.Sprintf("first layer: %d of %d filters, %dx%d, scaled up", k, wshape[0], side, side)
	}
	f.Weights, f.WeightCount, f.WeightSize = w, k, side
	return f, nil
}
