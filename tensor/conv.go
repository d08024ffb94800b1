package tensor

import "fmt"

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
