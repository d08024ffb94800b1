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
// H' = (H + 2·padding − kernel)/stride + 1 (rounded down), likewise W':
// tensor's Conv2d, which runs on the Vulkan backend as an implicit GEMM
// (no im2col matrix in memory, forward or backward), on the CPU as im2col
// and a GEMM per chunk of images, and at a reduced matmul precision as
// Im2Col and one matrix product at that precision.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.Conv2d(c.Weight, c.Bias, c.Stride, c.Padding)
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
