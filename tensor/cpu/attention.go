package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/gemm"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// Fused attention (backend.Attentioner). Each head is taken a block of
// attBlock query rows at a time: the block's scores against the keys it
// sees (all S, or the first i1 of them when causal) are one matrix product
// into per-goroutine scratch, the softmax runs on each row in place, and
// a second product with v writes the output. The arithmetic is that of the
// composed ops (MatMul, MulScalar, the contiguous-row Softmax), so the
// results are theirs: float32 products accumulated as gemm does, the
// softmax's sum in float64, the logsumexp in float64 rounded once. The
// backward pass recomputes each block's probabilities as exp(s − lse)
// from the saved logsumexp (within a few ulp of the forward pass's) and
// takes the five products of the gradient per block; dk and dv add up
// over a head's blocks in order, so heads run in parallel and blocks in
// sequence.

var _ backend.Attentioner = (*Backend)(nil)

// attBlock is the number of query rows a block holds: its scores, a
// [attBlock, S] float32 scratch, stay in the L2 cache for S in the
// thousands.
const attBlock = 64

// HasAttention accepts every float dtype and head size.
func (*Backend) HasAttention(dt backend.DType, d, dv int) bool { return dt.IsFloat() }

// attHead is the operand layout of one attention call: sizes and, per
// head, matrix views.
type attHead struct {
	n2, t, s, d, dv int
	causal          bool
	scale           float32
}

func newAttHead(q, k, v backend.Strided, causal bool, scale float32) attHead {
	return attHead{n2: q.Shape[1], t: q.Shape[2], s: k.Shape[2], d: q.Shape[3], dv: v.Shape[3], causal: causal, scale: scale}
}

// mat is the matrix of head h of x starting at row i0.
func (a attHead) mat(x backend.Strided, h, i0 int) gemm.Matrix {
	off := x.Offset + (h/a.n2)*x.Strides[0] + (h%a.n2)*x.Strides[1] + i0*x.Strides[2]
	return gemm.Matrix{Data: data(x.Buf), Off: off, RS: x.Strides[2], CS: x.Strides[3]}
}

// tr is the transpose of m.
func tr(m gemm.Matrix) gemm.Matrix { m.RS, m.CS = m.CS, m.RS; return m }

// cols is the number of keys the block of rows [i0, i1) sees.
func (a attHead) cols(i1 int) int {
	if a.causal {
		return min(a.s, i1)
	}
	return a.s
}

// seen is the number of keys query row i sees, of cols.
func (a attHead) seen(i, cols int) int {
	if a.causal {
		return min(cols, i+1)
	}
	return cols
}

// probs sets p [i1−i0, cols] to the softmax rows of the block of rows
// [i0, i1) of head h (0 for the keys a causal row does not see) and
// returns each row's logsumexp through lse.
func (a attHead) probs(p []float32, q, k backend.Strided, h, i0, i1, cols int, lse func(i int, v float64)) {
	rows := i1 - i0
	gemm.Sgemm(rows, cols, a.d, a.mat(q, h, i0), tr(a.mat(k, h, 0)), gemm.Matrix{Data: p, RS: cols, CS: 1}, false)
	for i := range rows {
		row := p[i*cols : (i+1)*cols]
		n := a.seen(i0+i, cols)
		// A causal row's masked scores up to a multiple of attLanes are
		// −Inf (their exponentials 0), so that the vector kernels take the
		// whole row and no scalar tail.
		x := row[:a.padded(n, cols)]
		m := scaleMax(x, n, a.scale)
		sum := vec.ExpSum32(x, x, m)
		vec.BinaryScalar(vec.Mul, x, x, float32(1/sum))
		clear(row[len(x):])
		lse(i0+i, float64(m)+math.Log(sum))
	}
}

// probsFromLSE is probs for the backward pass: each row's probabilities
// exp(s − lse) from the logsumexp the forward pass saved (one pass over
// the row instead of probs' three: no maximum, no normalization).
func (a attHead) probsFromLSE(p []float32, q, k, lse backend.Strided, h, i0, i1, cols int) {
	rows := i1 - i0
	gemm.Sgemm(rows, cols, a.d, a.mat(q, h, i0), tr(a.mat(k, h, 0)), gemm.Matrix{Data: p, RS: cols, CS: 1}, false)
	ld := data(lse.Buf)[lse.Offset+h*a.t+i0:]
	for i := range rows {
		row := p[i*cols : (i+1)*cols]
		n := a.seen(i0+i, cols)
		x := row[:a.padded(n, cols)]
		for j, v := range x[:n] {
			x[j] = v * a.scale
		}
		for j := n; j < len(x); j++ {
			x[j] = float32(math.Inf(-1))
		}
		vec.ExpSum32(x, x, ld[i])
		clear(row[len(x):])
	}
}

// attLanes is the widest vector of package vec's kernels.
const attLanes = 16

// padded is n rounded up to a multiple of attLanes, at most cols.
func (a attHead) padded(n, cols int) int { return min(cols, (n+attLanes-1)&^(attLanes-1)) }

// blockWork is about the multiply-adds of one block, for parallelFor.
func (a attHead) blockWork() int { return attBlock * a.s * (a.d + a.dv) }

// Attention computes each head's output block by block, the blocks of
// all heads in parallel.
func (be *Backend) Attention(out, lse, q, k, v backend.Strided, causal bool, scale float32) {
	if widen16([]backend.Strided{out, q, k, v}, 1, func(w []backend.Strided) { be.Attention(w[0], lse, w[1], w[2], w[3], causal, scale) }) {
		return
	}
	a := newAttHead(q, k, v, causal, scale)
	heads, blocks := q.Shape[0]*q.Shape[1], (a.t+attBlock-1)/attBlock
	ld := data(lse.Buf)
	parallelFor(heads*blocks, max(1, parallelMinHeavy/a.blockWork()), func(lo, hi int) {
		p := getScratch(attBlock * a.s)
		defer chunkScratch.Put(&p)
		for w := lo; w < hi; w++ {
			h, i0 := w/blocks, (w%blocks)*attBlock
			i1 := min(a.t, i0+attBlock)
			cols := a.cols(i1)
			a.probs(p, q, k, h, i0, i1, cols, func(i int, v float64) { ld[lse.Offset+h*a.t+i] = float32(v) })
			gemm.Sgemm(i1-i0, a.dv, cols, gemm.Matrix{Data: p, RS: cols, CS: 1}, a.mat(v, h, 0), a.mat(out, h, i0), false)
		}
	})
}

// AttentionGrad computes the gradients head by head (in parallel), each
// head's blocks in order.
func (be *Backend) AttentionGrad(dq, dk, dv, q, k, v, out, dout, lse backend.Strided, causal bool, scale float32) {
	ops := []backend.Strided{dq, dk, dv, q, k, v, out, dout}
	if widen16(ops, 3, func(w []backend.Strided) {
		be.AttentionGrad(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], lse, causal, scale)
	}) {
		return
	}
	a := newAttHead(q, k, v, causal, scale)
	heads, blocks := q.Shape[0]*q.Shape[1], (a.t+attBlock-1)/attBlock
	parallelFor(heads, max(1, parallelMinHeavy/(blocks*a.blockWork())), func(lo, hi int) {
		p, dp, tmp := getScratch(attBlock*a.s), getScratch(attBlock*a.s), getScratch(a.s)
		defer chunkScratch.Put(&p)
		defer chunkScratch.Put(&dp)
		defer chunkScratch.Put(&tmp)
		for h := lo; h < hi; h++ {
			for _, x := range []backend.Strided{dk, dv} {
				if x.Buf != nil {
					zero(a.mat(x, h, 0), x.Shape[2], x.Shape[3])
				}
			}
			for i0 := 0; i0 < a.t; i0 += attBlock {
				i1 := min(a.t, i0+attBlock)
				rows, cols := i1-i0, a.cols(i1)
				pm, dpm := gemm.Matrix{Data: p, RS: cols, CS: 1}, gemm.Matrix{Data: dp, RS: cols, CS: 1}
				a.probsFromLSE(p, q, k, lse, h, i0, i1, cols)
				g := a.mat(dout, h, i0)
				if dv.Buf != nil {
					gemm.Sgemm(cols, a.dv, rows, tr(pm), g, a.mat(dv, h, 0), true)
				}
				if dq.Buf == nil && dk.Buf == nil {
					continue
				}
				gemm.Sgemm(rows, cols, a.dv, g, tr(a.mat(v, h, 0)), dpm, false)
				for i := range rows {
					pr, dr := p[i*cols:(i+1)*cols], dp[i*cols:(i+1)*cols]
					// p is 0 beyond the seen keys, and so is dp there (an
					// Inf in a masked value would make a NaN of 0·dp).
					seen := a.seen(i0+i, cols)
					clear(dr[seen:])
					n := a.padded(seen, cols)
					softmaxGradRow(dr[:n], pr[:n], tmp[:n], a.scale)
				}
				if dq.Buf != nil {
					gemm.Sgemm(rows, a.d, cols, dpm, a.mat(k, h, 0), a.mat(dq, h, i0), false)
				}
				if dk.Buf != nil {
					gemm.Sgemm(cols, a.d, rows, tr(dpm), a.mat(q, h, i0), a.mat(dk, h, 0), true)
				}
			}
		}
	})
}

// scaleMax multiplies the first n elements of x by scale, sets the others
// to −Inf and returns the maximum, NaN if there is one: one pass, where
// the vector kernels' calls cost more than the work on rows this short.
func scaleMax(x []float32, n int, scale float32) float32 {
	m := float32(math.Inf(-1))
	for j, v := range x[:n] {
		v *= scale
		x[j] = v
		if v > m || v != v {
			m = v
		}
	}
	for j := n; j < len(x); j++ {
		x[j] = float32(math.Inf(-1))
	}
	return m
}

// softmaxGradRow sets dp = scale · p ∘ (dp − Σ p∘dp), the gradient of the
// scaled scores of a softmax row p given the gradient dp of p, as the
// composed ops compute it (the products rounded to float32, their sum in
// float64); tmp is scratch of p's length.
func softmaxGradRow(dp, p, tmp []float32, scale float32) {
	vec.Binary(vec.Mul, tmp, p, dp)
	dot := vec.Sum(tmp)
	vec.BinaryScalar(vec.Sub, dp, dp, float32(dot))
	vec.Binary(vec.Mul, dp, dp, p)
	vec.BinaryScalar(vec.Mul, dp, dp, scale)
}

// zero sets the rows×cols matrix m to 0.
func zero(m gemm.Matrix, rows, cols int) {
	if m.CS == 1 && m.RS == cols {
		clear(m.Data[m.Off : m.Off+rows*cols])
		return
	}
	for i := range rows {
		for j := range cols {
			m.Data[m.Off+i*m.RS+j*m.CS] = 0
		}
	}
}
