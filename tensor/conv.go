package tensor

import "fmt"

// Unfold extracts the sliding kernel×kernel patches of a batch of images t
// [N, C, H, W] (zero padding on every side, the given stride) as columns:
// the result is [N, C·kernel², Ho·Wo] with Ho = (H+2·padding−kernel)/stride+1
// and Wo likewise, row c·kernel²+i·kernel+j holding channel c's pixel at tap
// (i, j) of each patch, as PyTorch's unfold. A convolution is then one
// matrix product of the weight [out, C·kernel²] with the columns (im2col).
// Its gradient sums each column entry back onto the pixel it came from.
func (t *Tensor) Unfold(kernel, stride, padding int) *Tensor {
	const name = "Unfold"
	if len(t.shape) != 4 {
		shapePanic(name, "is not a batch of images [N, C, H, W]", t.shape)
	}
	if kernel <= 0 || stride <= 0 || padding < 0 {
		shapePanic(name, fmt.Sprintf("has kernel %d, stride %d, padding %d", kernel, stride, padding), t.shape)
	}
	n, c, h, w := t.shape[0], t.shape[1], t.shape[2], t.shape[3]
	if h+2*padding < kernel || w+2*padding < kernel {
		shapePanic(name, fmt.Sprintf("is smaller than the %d×%d kernel after padding %d", kernel, kernel, padding), t.shape)
	}
	ho, wo := (h+2*padding-kernel)/stride+1, (w+2*padding-kernel)/stride+1
	b := t.Backend()
	out := alloc(b, []int{n, c, kernel * kernel, ho, wo}, t)
	if out.ok() && out.Size() > 0 {
		b.Im2Col(out.strided(name), t.strided(name), kernel, stride, padding)
	}
	out = record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		g = g.Contiguous()
		dx := alloc(b, t.shape, g)
		if dx.ok() && dx.Size() > 0 {
			b.Col2Im(dx.strided(name), g.strided(name), kernel, stride, padding)
		}
		return one(dx)
	})
	return out.Reshape(n, c*kernel*kernel, ho*wo)
}
