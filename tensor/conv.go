package tensor

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Unfold extracts the sliding kernel×kernel patches of a batch of images t
// [N, C, H, W] (zero padding on every side, the given stride) as columns:
// the result is [N, C·kernel², Ho·Wo] with Ho = (H+2·padding−kernel)/stride+1
// and Wo likewise, row c·kernel²+i·kernel+j holding channel c's pixel at tap
// (i, j) of each patch, as PyTorch's unfold. Its gradient sums each column
// entry back onto the pixel it came from.
func (t *Tensor) Unfold(kernel, stride, padding int) *Tensor {
	return t.patches("Unfold", kernel, stride, padding, false)
}

// Im2Col is Unfold with the patches of the whole batch side by side: the
// result is the matrix [C·kernel², N·Ho·Wo] whose column n·Ho·Wo + y·Wo + x
// is the patch of image n at output position (y, x). A convolution with
// weight [out, C, kernel, kernel] is then a single matrix product,
// weight.Reshape(out, C·kernel²).MatMul(cols), giving [out, N·Ho·Wo].
func (t *Tensor) Im2Col(kernel, stride, padding int) *Tensor {
	return t.patches("Im2Col", kernel, stride, padding, true)
}

// patches lays out the patches of t for Unfold (batch outermost) or Im2Col
// (batch inside the columns). Both run the backend's Im2Col into a
// destination whose strides give the wanted layout.
func (t *Tensor) patches(name string, kernel, stride, padding int, matrix bool) *Tensor {
	if len(t.shape) != 4 {
		shapePanic(name, "is not a batch of images [N, C, H, W]", t.shape)
	}
	if kernel <= 0 || stride <= 0 || padding < 0 {
		shapePanic(name, fmt.Sprintf("has kernel %d, stride %d, padding %d", kernel, stride, padding), t.shape)
	}
	n, c, h, w := t.shape[0], t.shape[1], t.shape[2], t.shape[3]
	if padding > maxSize || kernel > maxSize {
		// h, w and padding at most maxSize keep h+2·padding an int.
		shapePanic(name, fmt.Sprintf("has kernel %d, padding %d: more than %d", kernel, padding, maxSize), t.shape)
	}
	if h+2*padding < kernel || w+2*padding < kernel {
		shapePanic(name, fmt.Sprintf("is smaller than the %d×%d kernel after padding %d", kernel, kernel, padding), t.shape)
	}
	ho, wo := (h+2*padding-kernel)/stride+1, (w+2*padding-kernel)/stride+1
	if overflowAxis([]int{n, c, kernel, kernel, ho, wo}) >= 0 { // the result's size, before kernel² can overflow
		shapePanic(name, fmt.Sprintf("with kernel %d, stride %d, padding %d would have more than %d elements", kernel, stride, padding, maxSize), t.shape)
	}
	kk := kernel * kernel
	t = t.as(floatOf(t.DType()))
	b := t.Backend()
	// storage holds the patches in the result's row-major order; cols views
	// it as [N, C, k², Ho, Wo], the backend's layout.
	storage := []int{n, c, kk, ho, wo}
	toCols := []int{0, 1, 2, 3, 4}
	if matrix {
		storage = []int{c, kk, n, ho, wo}
		toCols = []int{2, 0, 1, 3, 4}
	}
	out := alloc(b, t.DType(), storage, t)
	cols := out.Permute(toCols...)
	if out.ok() && out.Size() > 0 {
		b.Im2Col(cols.strided(name), t.strided(name), kernel, stride, padding)
	}
	out = record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		g = g.as(t.DType()).Contiguous()
		dx := alloc(b, t.DType(), t.shape, g)
		if dx.ok() && dx.Size() > 0 {
			b.Col2Im(dx.strided(name), g.Permute(toCols...).strided(name), kernel, stride, padding)
		}
		return one(dx)
	})
	if matrix {
		return out.Reshape(c*kk, n*ho*wo)
	}
	return out.Reshape(n, c*kk, ho*wo)
}

// Conv2d returns the 2-D convolution (cross-correlation, as PyTorch's
// F.conv2d) of the images t [N, C, H, W] with weight [O, C, k, k], plus
// bias [O] when bias is not nil: the result is [N, O, Ho, Wo] with
// Ho = (H+2·padding−k)/stride+1 and Wo likewise (rounded down), zero
// padding and the same stride on both axes. It is differentiable in t,
// weight and bias.
//
// On a backend with direct convolutions (backend.Convolver: the Vulkan
// backend's implicit GEMM, the CPU backend's chunks of images) the forward
// pass and both gradients run without materializing the whole batch's
// [C·k², N·Ho·Wo] patch matrix. Elsewhere, and for
// Float32 operands when the device's matmul precision is not
// PrecisionHighest, it is Im2Col and one MatMul (at that precision), the
// general path (16-bit operands computed in float32 and rounded once).
// Int32 operands are computed as Float32; mixed dtypes promote. It panics with a *ShapeError when the shapes do not fit
// together (a non-square kernel, channel counts that differ, a bias that
// is not [O], a padded image smaller than the kernel) and with a
// *BackendError for operands on different devices.
func (t *Tensor) Conv2d(weight, bias *Tensor, stride, padding int) *Tensor {
	const name = "Conv2d"
	xs, ws := t.shape, weight.shape
	shapes := [][]int{xs, ws}
	ops := []*Tensor{t, weight}
	if bias != nil {
		shapes = append(shapes, bias.shape)
		ops = append(ops, bias)
	}
	fail := func(reason string) { panic(&ShapeError{Op: name, Shapes: shapes, Reason: reason}) }
	if len(xs) != 4 || len(ws) != 4 {
		fail("are not images [N, C, H, W] and a weight [O, C, k, k]")
	}
	if ws[2] != ws[3] {
		fail(fmt.Sprintf("have a %d×%d kernel: only square kernels are supported", ws[2], ws[3]))
	}
	if xs[1] != ws[1] {
		fail(fmt.Sprintf("have %d input channels and a weight for %d", xs[1], ws[1]))
	}
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != ws[0]) {
		fail(fmt.Sprintf("have a bias that is not [%d]", ws[0]))
	}
	if stride <= 0 || padding < 0 || padding > maxSize {
		fail(fmt.Sprintf("have stride %d and padding %d", stride, padding))
	}
	k := ws[2]
	if xs[2]+2*padding < k || xs[3]+2*padding < k {
		fail(fmt.Sprintf("have a padded image (%d×%d) smaller than the %d×%d kernel", xs[2]+2*padding, xs[3]+2*padding, k, k))
	}
	be := sameBackend(name, ops...)
	dt := floatOf(Promote(t.DType(), weight.DType()))
	if bias != nil {
		dt = floatOf(Promote(dt, bias.DType()))
	}
	t, weight = t.as(dt), weight.as(dt)
	if bias != nil {
		bias = bias.as(dt)
	}
	cv, direct := be.(backend.Convolver)
	if direct && (dt != Float32 || t.st.dev.MatMulPrecision() == PrecisionHighest) {
		return conv2d(cv, t, weight, bias, stride, padding)
	}
	// the general path: one product of the weight and the patches,
	// [O, C·k²]·[C·k², N·Ho·Wo] → [O, N, Ho, Wo], an NCHW view of it;
	// 16-bit operands in float32, rounded once at the end (as the direct
	// kernels do), not after each step
	if dt == Float16 || dt == BFloat16 {
		var b32 *Tensor
		if bias != nil {
			b32 = bias.AsType(Float32)
		}
		return t.AsType(Float32).Conv2d(weight.AsType(Float32), b32, stride, padding).AsType(dt)
	}
	n, o := xs[0], ws[0]
	ho, wo := (xs[2]+2*padding-k)/stride+1, (xs[3]+2*padding-k)/stride+1
	cols := t.Im2Col(k, stride, padding)
	y := weight.Reshape(o, ws[1]*k*k).MatMul(cols).Reshape(o, n, ho, wo).Permute(1, 0, 2, 3)
	if bias != nil {
		y = y.Add(bias.Reshape(o, 1, 1))
	}
	return y
}

// conv2d runs a direct convolution; its gradients are the backend's two
// other products (the backward pass is not recorded, so they need no
// gradients of their own).
func conv2d(cv backend.Convolver, x, w, bias *Tensor, stride, pad int) *Tensor {
	const name = "Conv2d"
	k := w.shape[2]
	shape := []int{x.shape[0], w.shape[0], (x.shape[2]+2*pad-k)/stride + 1, (x.shape[3]+2*pad-k)/stride + 1}
	if overflowAxis(shape) >= 0 || overflowAxis([]int{w.shape[1], k, k, shape[0], shape[2], shape[3]}) >= 0 {
		shapePanic(name, "would have more than the largest tensor's elements", x.shape, w.shape)
	}
	ins := []*Tensor{x, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	out := alloc(x.Backend(), x.DType(), shape, ins...)
	if out.ok() && out.Size() > 0 {
		bs := backend.Strided{}
		if bias != nil {
			bs = bias.strided(name)
		}
		cv.Conv2d(out.strided(name), x.strided(name), w.strided(name), bs, stride, pad)
	}
	return record(out, name, ins, func(g *Tensor) []*Tensor {
		g = g.as(x.DType())
		gs := make([]*Tensor, len(ins))
		if x.RequiresGrad() {
			gs[0] = convInputGrad(cv, g, w, x.shape, stride, pad)
		}
		if w.RequiresGrad() {
			gs[1] = convWeightGrad(cv, x, g, k, stride, pad)
		}
		if bias != nil && bias.RequiresGrad() {
			gs[2] = g.Sum(0, 2, 3)
		}
		return gs
	})
}

// convInputGrad is the gradient of conv2d with respect to its images (of
// shape xshape) for the output gradient g.
func convInputGrad(cv backend.Convolver, g, w *Tensor, xshape []int, stride, pad int) *Tensor {
	const name = "Conv2dInputGrad"
	out := alloc(g.Backend(), g.DType(), xshape, g, w)
	if out.ok() && out.Size() > 0 {
		cv.Conv2dInputGrad(out.strided(name), g.strided(name), w.strided(name), stride, pad)
	}
	return out
}

// convWeightGrad is the gradient of conv2d with respect to its k×k weight
// for the images x and the output gradient g.
func convWeightGrad(cv backend.Convolver, x, g *Tensor, k, stride, pad int) *Tensor {
	const name = "Conv2dWeightGrad"
	out := alloc(x.Backend(), x.DType(), []int{g.shape[1], x.shape[1], k, k}, x, g)
	if out.ok() && out.Size() > 0 {
		cv.Conv2dWeightGrad(out.strided(name), x.strided(name), g.strided(name), stride, pad)
	}
	return out
}
