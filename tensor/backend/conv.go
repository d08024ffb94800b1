package backend

// Convolver is implemented by backends that compute 2-D convolutions
// directly (an implicit GEMM: the patches are gathered while the product
// is computed, so the [C·k², N·Ho·Wo] matrix of Im2Col never exists). The
// tensor package uses it for Conv2d and its gradients, except for Float32
// operands at a reduced matmul precision (PreciseMatMul), which it
// composes of Im2Col and MatMul at that precision.
//
// The geometry is Im2Col's: images x [N, C, H, W], weights w [O, C, k, k]
// (a square kernel), the same stride and zero padding on both spatial axes,
// outputs [N, O, Ho, Wo] with Ho = (H+2·pad−k)/stride+1 and Wo likewise;
// k is w.Shape[2]. Operands are float dtypes, all of one dtype; sums are
// float32 and rounded once into a 16-bit destination. Any strides. A tap
// that reads the padding contributes 0·w, as Im2Col and MatMul give (an
// infinite weight makes NaN there); the input gradient may likewise
// multiply a weight by 0 for a tap that falls between strided output
// positions, where the definition has no term.
type Convolver interface {
	// Conv2d sets dst[n, o, y, x] = Σ over c, i, j of
	// w[o, c, i, j]·x[n, c, y·stride+i−pad, x·stride+j−pad] (0 outside
	// the image), plus bias[o] when bias.Buf is not nil (bias is [O]).
	Conv2d(dst, x, w, bias Strided, stride, pad int)
	// Conv2dInputGrad sets dx [N, C, H, W] to the gradient of Conv2d with
	// respect to x for the output gradient g [N, O, Ho, Wo]: each pixel
	// receives Σ w[o, c, i, j]·g[n, o, y, x] over the taps (y, x, i, j)
	// that read it.
	Conv2dInputGrad(dx, g, w Strided, stride, pad int)
	// Conv2dWeightGrad sets dw [O, C, k, k] to the gradient of Conv2d with
	// respect to w: dw[o, c, i, j] = Σ over n, y, x of
	// g[n, o, y, x]·x[n, c, y·stride+i−pad, x·stride+j−pad].
	Conv2dWeightGrad(dw, x, g Strided, stride, pad int)
}
