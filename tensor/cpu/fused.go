package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

var _ backend.Fused = (*Backend)(nil)

// MatMulBias computes dst = a·b + bias, then ReLU when relu is set: the
// product through gemm, then one parallel pass over dst for the epilogue.
func (be *Backend) MatMulBias(dst, a, b, bias backend.Strided, relu bool) {
	be.MatMul(dst, a, b, false)
	if bias.Buf == nil && !relu {
		return
	}
	r := len(dst.Shape)
	d := data(dst.Buf)[dst.Offset:]
	// The bias seen with dst's shape: stride 0 on every axis but the last.
	bv := backend.Strided{Shape: dst.Shape, Strides: make([]int, r)}
	var bs []float32
	if bias.Buf != nil {
		bs = data(bias.Buf)[bias.Offset:]
		bv.Strides[r-1] = bias.Strides[0]
	}
	it := newIter(dst.Shape, dst, bv)
	sd, sb := it.inner(0), it.inner(1)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			x := d[off[0]+i*sd]
			if bs != nil {
				x += bs[off[1]+i*sb]
			}
			if relu && !(x > 0 || x != x) {
				x = 0
			}
			d[off[0]+i*sd] = x
		}
	})
}

// xentRow returns the row's maximum m and log Σ exp(x−m) (in float64, as
// Softmax computes them), and the target column t. A contiguous row (sc =
// 1) goes through package vec's kernels and leaves exp(x−m) in e (len c),
// returning true; a strided one leaves e alone and returns false.
func xentRow(l []float32, off, sc, c int, t int, e []float64) (m float32, lse float64, _ int, inE bool) {
	if sc == 1 {
		row := l[off : off+c]
		m = vec.Extreme(row, true)
		return m, math.Log(vec.ExpSum(e, row, m)), t, true
	}
	m = float32(math.Inf(-1))
	for j := 0; j < c; j++ {
		if v := l[off+j*sc]; v > m || v != v {
			m = v
		}
	}
	var sum float64
	for j := 0; j < c; j++ {
		sum += math.Exp(float64(l[off+j*sc] - m))
	}
	return m, math.Log(sum), t, false
}

// clampIndex converts a float32 index on an axis of n to a position under
// the index rule of package backend (a negative index counts from the
// end). Bad indices, which the tensor package rejects before they reach
// this backend, are clamped to [0, n−1] so that they never reach outside
// the operand.
func clampIndex(v float32, n int) int {
	if v < 0 {
		v += float32(n)
	}
	if !(v >= 0) { // also NaN
		return 0
	}
	if v >= float32(n-1) {
		return n - 1
	}
	return int(v)
}

// CrossEntropy sets loss[i] = log Σⱼ exp(logits[i,j]) − logits[i,t]
// computed stably, row by row in parallel.
func (*Backend) CrossEntropy(loss, logits, targets backend.Strided) {
	rows, c := logits.Shape[0], logits.Shape[1]
	if rows == 0 || c == 0 {
		return
	}
	d, l, tg := data(loss.Buf), data(logits.Buf), indexer(targets, c)
	sr, sc := logits.Strides[0], logits.Strides[1]
	parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
		e := make([]float64, c)
		for i := lo; i < hi; i++ {
			off := logits.Offset + i*sr
			m, lse, t, _ := xentRow(l, off, sc, c, tg(targets.Offset+i*targets.Strides[0]), e)
			// −log_softmax as LogSoftmax rounds it: (x−m) in float32 first.
			d[loss.Offset+i*loss.Strides[0]] = float32(lse - float64(l[off+t*sc]-m))
		}
	})
}

// CrossEntropyGrad sets dst = (softmax(logits) − onehot(targets)) ·
// grad[i] · scale, row by row in parallel, in float64 rounded once.
func (*Backend) CrossEntropyGrad(dst, logits, targets, grad backend.Strided, scale float32) {
	rows, c := logits.Shape[0], logits.Shape[1]
	if rows == 0 || c == 0 {
		return
	}
	d, l, tg, g := data(dst.Buf), data(logits.Buf), indexer(targets, c), data(grad.Buf)
	sr, sc := logits.Strides[0], logits.Strides[1]
	dr, dc := dst.Strides[0], dst.Strides[1]
	parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
		e := make([]float64, c)
		for i := lo; i < hi; i++ {
			off := logits.Offset + i*sr
			m, lse, t, inE := xentRow(l, off, sc, c, tg(targets.Offset+i*targets.Strides[0]), e)
			gs := float64(g[grad.Offset+i*grad.Strides[0]]) * float64(scale)
			od := dst.Offset + i*dr
			inv := math.Exp(-lse) // 1/Σ exp(x−m)
			for j := 0; j < c; j++ {
				var p float64
				if inE {
					p = e[j] * inv
				} else {
					p = math.Exp(float64(l[off+j*sc]-m) - lse)
				}
				if j == t {
					p--
				}
				d[od+j*dc] = float32(p * gs)
			}
		}
	})
}

// The optimizer steps round after every operation, with explicit float32
// conversions (which Go never fuses into an FMA), so that they give the
// composed ops' results bit for bit.

// SGDStep applies one SGD update to param and buf in place.
func (*Backend) SGDStep(param, grad, buf backend.Strided, p backend.SGDParams) {
	n := param.Size()
	pd := data(param.Buf)[param.Offset : param.Offset+n]
	gd := data(grad.Buf)[grad.Offset : grad.Offset+n]
	var bd []float32
	if p.Momentum != 0 {
		bd = data(buf.Buf)[buf.Offset : buf.Offset+n]
	}
	damp := 1 - p.Dampening
	parallelFor(n, parallelMin, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := gd[i]
			if p.WeightDecay != 0 {
				g = float32(g + float32(pd[i]*p.WeightDecay))
			}
			if p.Momentum != 0 {
				b := g
				if !p.First {
					b = float32(float32(bd[i]*p.Momentum) + float32(g*damp))
				}
				bd[i] = b
				if p.Nesterov {
					g = float32(g + float32(b*p.Momentum))
				} else {
					g = b
				}
			}
			pd[i] = float32(pd[i] - float32(g*p.LR))
		}
	})
}

// AdamStep applies one Adam/AdamW update to param, m and v in place.
func (*Backend) AdamStep(param, grad, m, v backend.Strided, p backend.AdamParams) {
	n := param.Size()
	pd := data(param.Buf)[param.Offset : param.Offset+n]
	gd := data(grad.Buf)[grad.Offset : grad.Offset+n]
	md := data(m.Buf)[m.Offset : m.Offset+n]
	vd := data(v.Buf)[v.Offset : v.Offset+n]
	decay := 1 - p.LR*p.WeightDecay
	b1, b2 := 1-p.Beta1, 1-p.Beta2
	parallelFor(n, parallelMin, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g, w := gd[i], pd[i]
			if p.WeightDecay != 0 {
				if p.Decoupled {
					w = float32(w * decay)
				} else {
					g = float32(g + float32(w*p.WeightDecay))
				}
			}
			mi := float32(float32(md[i]*p.Beta1) + float32(g*b1))
			vi := float32(float32(vd[i]*p.Beta2) + float32(float32(g*g)*b2))
			md[i], vd[i] = mi, vi
			sq := float32(math.Sqrt(float64(vi)))
			// AddScalar rounds x+eps once from float64, as here.
			den := float32(float64(float32(sq/p.BC2Sqrt)) + float64(p.Eps))
			pd[i] = float32(w - float32(float32(mi/den)*p.StepSize))
		}
	})
}
