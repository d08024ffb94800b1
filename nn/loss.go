package nn

import (
	"slices"

	"github.com/vktensor/vktensor/tensor"
)

// The regression and probability losses of torch.nn with their default
// reduction, the mean over every element (or over the batch for NLLLoss).

// sameShape panics unless pred and target have one shape.
func sameShape(op string, pred, target *tensor.Tensor) {
	if !slices.Equal(pred.Shape(), target.Shape()) {
		panic(&tensor.ShapeError{Op: op, Shapes: [][]int{pred.Shape(), target.Shape()}, Reason: "prediction and target differ in shape"})
	}
}

// MSELoss returns the mean of (pred − target)², as torch.nn.MSELoss.
func MSELoss(pred, target *tensor.Tensor) *tensor.Tensor {
	sameShape("MSELoss", pred, target)
	return pred.Sub(target).Square().Mean()
}

// L1Loss returns the mean of |pred − target|, as torch.nn.L1Loss.
func L1Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	sameShape("L1Loss", pred, target)
	return pred.Sub(target).Abs().Mean()
}

// BCEWithLogitsLoss returns the mean binary cross-entropy of targets in
// [0, 1] against sigmoid(logits), as torch.nn.BCEWithLogitsLoss, computed
// stably as max(x, 0) − x·y + log1p(e^−|x|), which never takes the log of
// a rounded-to-0 probability.
func BCEWithLogitsLoss(logits, targets *tensor.Tensor) *tensor.Tensor {
	sameShape("BCEWithLogitsLoss", logits, targets)
	return logits.Relu().Sub(logits.Mul(targets)).Add(logits.Abs().Neg().Exp().Log1p()).Mean()
}

// NLLLoss returns the mean over the batch of −logProbs[i, targets[i]], as
// torch.nn.NLLLoss: logProbs is [N, C] (a LogSoftmax output), targets is
// [N] holding class indices as float32 integers in [0, C).
func NLLLoss(logProbs, targets *tensor.Tensor) *tensor.Tensor {
	if logProbs.Rank() != 2 || targets.Rank() != 1 || targets.Dim(0) != logProbs.Dim(0) {
		panic(&tensor.ShapeError{Op: "NLLLoss", Shapes: [][]int{logProbs.Shape(), targets.Shape()}, Reason: "are not log-probabilities [N, C] and targets [N]"})
	}
	return logProbs.Gather(1, targets.Unsqueeze(1)).Mean().Neg()
}
