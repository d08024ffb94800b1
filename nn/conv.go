package nn

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// Conv2d is a 2-D convolution (cross-correlation, as in PyTorch) over NCHW
// images with a square kernel, equal stride and zero padding on both axes.
type Conv2d struct {
	Weight  *tensor.Tensor // [out, in, kernel, kernel]
	Bias    *tensor.Tensor // [out]; nil for a layer without bias
	Stride  int
	Padding int
}

// NewConv2d returns a Conv2d layer on dev (nil: tensor.Default()) from in
// to out channels with bias,
// initialized as PyTorch's nn.Conv2d (see KaimingUniform, with
// fanIn = in·kernel²) from rng.
func NewConv2d(dev *tensor.Device, rng *tensor.RNG, in, out, kernel, stride, padding int) *Conv2d {
	if in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0 {
		panic(fmt.Sprintf("nn.NewConv2d: bad sizes in=%d out=%d kernel=%d stride=%d padding=%d", in, out, kernel, stride, padding))
	}
	fanIn := in * kernel * kernel
	return &Conv2d{
		Weight:  KaimingUniform(dev, rng, fanIn, out, in, kernel, kernel),
		Bias:    KaimingUniform(dev, rng, fanIn, out),
		Stride:  stride,
		Padding: padding,
	}
}

// Forward maps x of shape [N, in, H, W] to [N, out, H', W'] with
// H' = (H + 2·padding − kernel)/stride + 1 (rounded down), likewise W'.
//
// It lowers the convolution to one matrix product (im2col): x.Im2Col lays
// every kernel-sized patch of the batch out as a column [in·kernel²,
// N·H'·W'], and the weight, seen as [out, in·kernel²], multiplies them in a
// single GEMM (no per-image batch, so the weight gradient needs no sum over
// images). Im2Col and MatMul are differentiable, so autograd provides the
// gradients (Im2Col's is the col2im sum). The result is an NCHW view of the
// product's [out, N, H', W'] layout.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh, ws := x.Shape(), c.Weight.Shape()
	if len(sh) != 4 || sh[1] != ws[1] {
		panic(&tensor.ShapeError{Op: "Conv2d", Shapes: [][]int{sh, ws}, Reason: "are not an input [N, in, H, W] and a weight [out, in, k, k]"})
	}
	n, ci, k, s, p := sh[0], sh[1], ws[2], c.Stride, c.Padding
	if sh[2]+2*p < k || sh[3]+2*p < k {
		panic(&tensor.ShapeError{Op: "Conv2d", Shapes: [][]int{sh, ws}, Reason: fmt.Sprintf("have a padded input (%d×%d) smaller than the kernel", sh[2]+2*p, sh[3]+2*p)})
	}
	ho, wo := (sh[2]+2*p-k)/s+1, (sh[3]+2*p-k)/s+1
	// [out, C·k²]·[C·k², N·H'·W'] → [out, N, H', W'], viewed as NCHW.
	cols := x.Im2Col(k, s, p)
	y := c.Weight.Reshape(ws[0], ci*k*k).MatMul(cols).Reshape(ws[0], n, ho, wo).Permute(1, 0, 2, 3)
	if c.Bias != nil {
		y = y.Add(c.Bias.Reshape(ws[0], 1, 1))
	}
	return y
}

// Parameters returns the weight and, when present, the bias.
func (c *Conv2d) Parameters() []*tensor.Tensor { return tensorsOf(c.NamedParameters()) }

// NamedParameters returns "weight" and "bias".
func (c *Conv2d) NamedParameters() []Param { return weightAndBias(c.Weight, c.Bias) }

// Train does nothing: Conv2d is the same in both modes.
func (c *Conv2d) Train(bool) {}

// MaxPool2d takes the maximum over non-overlapping Kernel×Kernel windows of
// NCHW images (stride = kernel, no padding). Rows and columns that do not
// fill a window are dropped, as PyTorch does. At ties within a window the
// gradient is split evenly between the tied positions (tensor's Max
// convention), where PyTorch gives it all to one.
type MaxPool2d struct {
	Kernel int
}

// Forward maps [N, C, H, W] to [N, C, H/k, W/k].
func (m MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh, k := x.Shape(), m.Kernel
	if len(sh) != 4 || k <= 0 {
		panic(&tensor.ShapeError{Op: "MaxPool2d", Shapes: [][]int{sh}, Reason: fmt.Sprintf("is not [N, C, H, W], or kernel %d is not positive", k)})
	}
	ho, wo := sh[2]/k, sh[3]/k
	if ho*k != sh[2] {
		x = x.Narrow(2, 0, ho*k)
	}
	if wo*k != sh[3] {
		x = x.Narrow(3, 0, wo*k)
	}
	return x.Reshape(sh[0], sh[1], ho, k, wo, k).Max(3, 5)
}

// Parameters returns nil: MaxPool2d has none.
func (MaxPool2d) Parameters() []*tensor.Tensor { return nil }

// NamedParameters returns nil.
func (MaxPool2d) NamedParameters() []Param { return nil }

// Train does nothing.
func (MaxPool2d) Train(bool) {}
