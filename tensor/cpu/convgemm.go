package cpu

import (
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/gemm"
)

// The direct convolutions (backend.Convolver): im2col and one GEMM per
// chunk of images, the chunk's patches in a scratch buffer of at most
// convChunkElems floats (at least one image), so a convolution never holds
// the whole batch's [C·k², N·Ho·Wo] patches — the general path keeps them
// from the forward pass to the weight gradient, 25× the images for a 5×5
// kernel. The weight gradient builds its chunk's patches again.

var _ backend.Convolver = (*Backend)(nil)

// convChunkElems bounds the patches of a chunk: 8 MiB of float32, large
// enough that each chunk's GEMM has thousands of columns.
var convChunkElems = 1 << 21

// convShape is a convolution's geometry, read off its operands.
type convShape struct {
	n, c, h, w, o, k, ho, wo int
}

func (g convShape) kk() int { return g.c * g.k * g.k } // a patch's length
func (g convShape) hw() int { return g.ho * g.wo }     // output positions per image

// chunk is the number of images whose patches fit convChunkElems.
func (g convShape) chunk() int {
	return max(1, min(g.n, convChunkElems/max(g.kk()*g.hw(), 1)))
}

// eachChunk calls f for the chunks of images [n0, n0+m) in order, with a
// scratch for the chunk's patches (C·k²·m·Ho·Wo floats) and one for its
// output-side matrix (O·m·Ho·Wo floats), reused from chunk to chunk.
func (g convShape) eachChunk(f func(n0, m int, cols, side []float32)) {
	chunk, hw := g.chunk(), g.hw()
	cols, side := allocData(g.kk()*chunk*hw), allocData(g.o*chunk*hw)
	defer recycle(cols)
	defer recycle(side)
	for n0 := 0; n0 < g.n; n0 += chunk {
		f(n0, min(chunk, g.n-n0), cols, side)
	}
}

// images returns s restricted to images [n0, n0+m) along axis 0.
func images(s backend.Strided, n0, m int) backend.Strided {
	shape := append([]int(nil), s.Shape...)
	shape[0] = m
	return backend.Strided{Buf: s.Buf, Offset: s.Offset + n0*s.Strides[0], Shape: shape, Strides: s.Strides}
}

// patchMatrix is the chunk's patches as tensor.Im2Col lays them out: the
// matrix [C·k², m·Ho·Wo] in cols, viewed by Im2Col as [m, C, k², Ho, Wo].
func patchMatrix(cols []float32, g convShape, m int) (backend.Strided, gemm.Matrix) {
	kk, hw := g.k*g.k, g.hw()
	buf := &buffer{dt: backend.Float32, f: cols}
	view := backend.Strided{Buf: buf, Shape: []int{m, g.c, kk, g.ho, g.wo},
		Strides: []int{hw, kk * m * hw, m * hw, g.wo, 1}}
	return view, gemm.Matrix{Data: cols, RS: m * hw, CS: 1}
}

// merges reports whether the last three axes of w [O, C, k, k] merge into
// one stride, so that w is the matrix [O, C·k²] in place.
func merges(w backend.Strided) bool {
	st, k := w.Strides, w.Shape[2]
	return (w.Shape[1] == 1 || st[1] == k*k*st[3]) && (k == 1 || st[2] == k*st[3])
}

// weightMatrix is w [O, C, k, k] as the matrix [O, C·k²]: a view where its
// axes merge, else a contiguous copy (given back by the returned function).
func (be *Backend) weightMatrix(w backend.Strided) (gemm.Matrix, func()) {
	if merges(w) {
		return gemm.Matrix{Data: data(w.Buf), Off: w.Offset, RS: w.Strides[0], CS: w.Strides[3]}, func() {}
	}
	buf := newBuffer(backend.Float32, w.Size())
	be.Copy(contiguous(buf, w.Shape), w)
	return gemm.Matrix{Data: buf.f, RS: w.Size() / max(w.Shape[0], 1), CS: 1}, func() { recycle(buf.f) }
}

// transposed is the matrix xᵀ, a view.
func transposed(x gemm.Matrix) gemm.Matrix {
	return gemm.Matrix{Data: x.Data, Off: x.Off, RS: x.CS, CS: x.RS}
}

// channelsFirst copies images [n0, n0+m) of a [N, O, Ho, Wo] tensor into
// out as the matrix [O, m·Ho·Wo] (the GEMM operand of the output side).
func (be *Backend) channelsFirst(out []float32, t backend.Strided, g convShape, n0, m int) gemm.Matrix {
	hw := g.hw()
	buf := &buffer{dt: backend.Float32, f: out}
	dst := backend.Strided{Buf: buf, Shape: []int{m, g.o, g.ho, g.wo}, Strides: []int{hw, m * hw, g.wo, 1}}
	be.Copy(dst, images(t, n0, m))
	return gemm.Matrix{Data: out, RS: m * hw, CS: 1}
}

// Conv2d computes each chunk's patches and one product
// [O, C·k²]·[C·k², m·Ho·Wo], then writes it to dst's images with the bias.
func (be *Backend) Conv2d(dst, x, w, bias backend.Strided, stride, pad int) {
	if widen16([]backend.Strided{dst, x, w, bias}, 1, func(v []backend.Strided) { be.Conv2d(v[0], v[1], v[2], v[3], stride, pad) }) {
		return
	}
	g := convShape{n: x.Shape[0], c: x.Shape[1], h: x.Shape[2], w: x.Shape[3], o: w.Shape[0], k: w.Shape[2], ho: dst.Shape[2], wo: dst.Shape[3]}
	if dst.Size() == 0 {
		return
	}
	wm, done := be.weightMatrix(w)
	defer done()
	hw := g.hw()
	g.eachChunk(func(n0, m int, cols, prod []float32) {
		view, cm := patchMatrix(cols, g, m)
		if g.kk() > 0 {
			be.Im2Col(view, images(x, n0, m), g.k, stride, pad)
			gemm.Sgemm(g.o, m*hw, g.kk(), wm, cm, gemm.Matrix{Data: prod, RS: m * hw, CS: 1}, false)
		} else {
			clear(prod) // no channels: the sums are empty
		}
		// the product is [O, m, Ho, Wo]: dst's images, plus the bias
		pv := backend.Strided{Buf: &buffer{dt: backend.Float32, f: prod}, Shape: []int{m, g.o, g.ho, g.wo}, Strides: []int{hw, m * hw, g.wo, 1}}
		if bias.Buf == nil {
			be.Copy(images(dst, n0, m), pv)
			return
		}
		bv := backend.Strided{Buf: bias.Buf, Offset: bias.Offset, Shape: pv.Shape, Strides: []int{0, bias.Strides[0], 0, 0}}
		be.Binary(backend.Add, images(dst, n0, m), pv, bv)
	})
}

// Conv2dInputGrad computes each chunk's patch gradients
// Wᵀ·G as [C·k², m·Ho·Wo] and sums them onto the pixels (Col2Im).
func (be *Backend) Conv2dInputGrad(dx, gr, w backend.Strided, stride, pad int) {
	if widen16([]backend.Strided{dx, gr, w}, 1, func(v []backend.Strided) { be.Conv2dInputGrad(v[0], v[1], v[2], stride, pad) }) {
		return
	}
	g := convShape{n: dx.Shape[0], c: dx.Shape[1], h: dx.Shape[2], w: dx.Shape[3], o: w.Shape[0], k: w.Shape[2], ho: gr.Shape[2], wo: gr.Shape[3]}
	if dx.Size() == 0 {
		return
	}
	if g.o == 0 {
		be.Fill(dx, 0) // no output channels: the sums are empty
		return
	}
	wm, done := be.weightMatrix(w)
	defer done()
	g.eachChunk(func(n0, m int, cols, gc []float32) {
		gm := be.channelsFirst(gc, gr, g, n0, m)
		view, cm := patchMatrix(cols, g, m)
		gemm.Sgemm(g.kk(), m*g.hw(), g.o, transposed(wm), gm, cm, false)
		be.Col2Im(images(dx, n0, m), view, g.k, stride, pad)
	})
}

// Conv2dWeightGrad sums, chunk by chunk, G·patchesᵀ ([O, m·Ho·Wo] by
// [m·Ho·Wo, C·k²]) into dw.
func (be *Backend) Conv2dWeightGrad(dw, x, gr backend.Strided, stride, pad int) {
	if widen16([]backend.Strided{dw, x, gr}, 1, func(v []backend.Strided) { be.Conv2dWeightGrad(v[0], v[1], v[2], stride, pad) }) {
		return
	}
	g := convShape{n: x.Shape[0], c: x.Shape[1], h: x.Shape[2], w: x.Shape[3], o: dw.Shape[0], k: dw.Shape[2], ho: gr.Shape[2], wo: gr.Shape[3]}
	if dw.Size() == 0 {
		return
	}
	// dw as the matrix [O, C·k²]: a view when its axes merge, else a
	// scratch copied out at the end
	dm := gemm.Matrix{Data: data(dw.Buf), Off: dw.Offset, RS: dw.Strides[0], CS: dw.Strides[3]}
	if !merges(dw) {
		buf := newBuffer(backend.Float32, dw.Size())
		dm = gemm.Matrix{Data: buf.f, RS: g.kk(), CS: 1}
		defer func() {
			be.Copy(dw, contiguous(buf, dw.Shape))
			recycle(buf.f)
		}()
	}
	if g.n == 0 || g.hw() == 0 {
		be.Fill(dw, 0)
		return
	}
	g.eachChunk(func(n0, m int, cols, gc []float32) {
		gm := be.channelsFirst(gc, gr, g, n0, m)
		view, cm := patchMatrix(cols, g, m)
		be.Im2Col(view, images(x, n0, m), g.k, stride, pad)
		gemm.Sgemm(g.o, g.kk(), m*g.hw(), gm, transposed(cm), dm, n0 > 0)
	})
}
