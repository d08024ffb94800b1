package cpu

import (
	"math"
	"sync"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// Reduce reduces the trailing axes of src that dst does not have.
func (be *Backend) Reduce(op backend.ReduceOp, dst, src backend.Strided) {
	if op == backend.ArgMax || op == backend.ArgMin || src.DType() == backend.Int32 {
		reduceGeneral(op, dst, src)
		return
	}
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Reduce(op, w[0], w[1]) }) {
		return
	}
	k := len(dst.Shape)
	d, s := data(dst.Buf)[dst.Offset:], data(src.Buf)[src.Offset:]
	// The kept axes of src, walked together with dst.
	kept := backend.Strided{Shape: src.Shape[:k], Strides: src.Strides[:k]}
	out := newIter(dst.Shape, dst, kept)
	// The reduced block, coalesced so its row-major order (which ArgMax
	// reports) is preserved.
	red := newIter(src.Shape[k:], backend.Strided{Shape: src.Shape[k:], Strides: src.Strides[k:]})
	sd, sk := out.inner(0), out.inner(1)
	if red.size == 0 {
		// src is empty: its kept-axis strides may point past its buffer,
		// so fill dst without forming offsets into it.
		v := reduceBlock(op, nil, &red)
		out.walk(0, out.size, func(_ int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				d[off[0]+i*sd] = v
			}
		})
		return
	}
	if len(out.shape) == 1 && sk == 1 && red.inner(0) != 1 && op <= backend.Min {
		reduceColumns(op, d, sd, s, out.size, &red)
		return
	}
	perOut := red.size
	if out.size == 1 && (op == backend.Sum || op == backend.Mean) && len(red.shape) == 1 && red.inner(0) == 1 && perOut >= 2*parallelMin {
		d[0] = sumContiguous(op == backend.Mean, s[:perOut])
		return
	}
	if len(red.shape) <= 2 && perOut <= 64 && red.shape[len(red.shape)-1] < 16 && op <= backend.Min {
		reduceSmall(op, d, sd, s, sk, &out, &red)
		return
	}
	parallelFor(out.size, max(1, parallelMin/max(perOut, 1)), func(lo, hi int) {
		out.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				d[off[0]+i*sd] = reduceBlock(op, s[off[1]+i*sk:], &red)
			}
		})
	})
}

// reduceColumns reduces when the outputs are consecutive in src (a sum over
// axis 0 of a row-major matrix): instead of striding down every column, it
// walks the reduced block once per run of outputs and accumulates each
// contiguous source row segment into the run, which keeps memory access
// sequential. Runs are short enough for their accumulators to stay in L1.
func reduceColumns(op backend.ReduceOp, d []float32, sd int, s []float32, nOut int, red *iter) {
	const run = 1024
	if (op == backend.Sum || op == backend.Mean) && nOut <= 4*run && red.size >= 2*sumBlockRows && nOut*red.size >= 2*parallelMin {
		sumColumns(op == backend.Mean, d, sd, s, nOut, red)
		return
	}
	st := red.inner(0)
	parallelFor(nOut, max(1, parallelMin/max(red.size, 1)), func(lo, hi int) {
		acc := make([]float64, min(run, hi-lo))
		best := make([]float32, min(run, hi-lo))
		for a := lo; a < hi; a += run {
			b := min(a+run, hi)
			acc, best := acc[:b-a], best[:b-a]
			clear(acc)
			first := true
			red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
				i := 0
				if op == backend.Sum || op == backend.Mean {
					// Four source rows per pass over the accumulators.
					for ; i+4 <= n; i += 4 {
						vec.AccumulateRows4(acc, s[off[0]+i*st+a:off[0]+(i+3)*st+b], st)
					}
				}
				for ; i < n; i++ {
					seg := s[off[0]+i*st+a : off[0]+i*st+b]
					switch {
					case op == backend.Sum || op == backend.Mean:
						vec.Accumulate(acc, seg)
					case first:
						copy(best, seg)
					case op == backend.Max:
						vec.Binary(vec.Max, best, best, seg)
					default:
						vec.Binary(vec.Min, best, best, seg)
					}
					first = false
				}
			})
			for j := range acc {
				v := best[j]
				switch op {
				case backend.Sum:
					v = float32(acc[j])
				case backend.Mean:
					v = float32(acc[j] / float64(red.size))
				}
				d[(a+j)*sd] = v
			}
		}
	})
}

// reduceBlock reduces the block red describes, starting at s[0]. Blocks of
// one or two coalesced axes (nearly all of them) are walked by plain nested
// loops; that keeps per-output overhead low when blocks are small, as in
// max pooling.
func reduceBlock(op backend.ReduceOp, s []float32, red *iter) float32 {
	if red.size == 0 {
		if op == backend.Mean {
			return float32(math.NaN())
		}
		return 0 // Sum; the tensor package rejects empty Max, Min and Arg*.
	}
	if len(red.shape) <= 2 {
		n1, s1 := red.shape[len(red.shape)-1], red.strides[0][len(red.shape)-1]
		n0, s0 := 1, 0
		if len(red.shape) == 2 {
			n0, s0 = red.shape[0], red.strides[0][0]
		}
		return reduce2(op, s, n0, s0, n1, s1)
	}
	return reduceWalk(op, s, red)
}

// reduce2 reduces the n0×n1 block with strides s0 and s1.
func reduce2(op backend.ReduceOp, s []float32, n0, s0, n1, s1 int) float32 {
	switch op {
	case backend.Sum, backend.Mean:
		var acc float64
		for i := 0; i < n0; i++ {
			row := s[i*s0:]
			if s1 == 1 && n1 >= 16 {
				acc += vec.Sum(row[:n1])
				continue
			}
			for j := 0; j < n1; j++ {
				acc += float64(row[j*s1])
			}
		}
		if op == backend.Mean {
			acc /= float64(n0 * n1)
		}
		return float32(acc)
	case backend.Max, backend.Min:
		isMax := op == backend.Max
		best := s[0]
		for i := 0; i < n0; i++ {
			if s1 == 1 && n1 >= 16 {
				v := vec.Extreme(s[i*s0:i*s0+n1], isMax)
				if isMax {
					best = maximum(best, v)
				} else {
					best = minimum(best, v)
				}
				continue
			}
			// Small blocks (pooling windows): the comparisons inline.
			for j := 0; j < n1; j++ {
				v := s[i*s0+j*s1]
				// maximum(best, v) and minimum(best, v), spelled out.
				if best == best && (isMax && !(best > v) || !isMax && !(best < v)) {
					best = v
				}
			}
		}
		return best
	case backend.ArgMax, backend.ArgMin:
		isMax := op == backend.ArgMax
		best, at := s[0], 0
		for i := 0; i < n0; i++ {
			for j := 0; j < n1; j++ {
				v := s[i*s0+j*s1]
				if v != v {
					return float32(i*n1 + j) // the first NaN wins, as in NumPy
				}
				if (isMax && v > best) || (!isMax && v < best) {
					best, at = v, i*n1+j
				}
			}
		}
		return float32(at)
	}
	panic("cpu: unknown reduce op")
}

// reduceWalk reduces a block of three or more coalesced axes.
func reduceWalk(op backend.ReduceOp, s []float32, red *iter) float32 {
	st := red.inner(0)
	switch op {
	case backend.Sum, backend.Mean:
		var acc float64
		red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
			o := off[0]
			if st == 1 {
				acc += vec.Sum(s[o : o+n])
				return
			}
			for i := 0; i < n; i++ {
				acc += float64(s[o+i*st])
			}
		})
		if op == backend.Mean {
			acc /= float64(red.size)
		}
		return float32(acc)
	case backend.Max, backend.Min:
		best := s[0]
		f := maximum
		if op == backend.Min {
			f = minimum
		}
		red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				best = f(best, s[off[0]+i*st])
			}
		})
		return best
	case backend.ArgMax, backend.ArgMin:
		best, at := s[0], 0
		max := op == backend.ArgMax
		red.walk(0, red.size, func(lin int, off *[maxOps]int, n int) {
			if best != best {
				return // the first NaN wins, as in NumPy
			}
			for i := 0; i < n; i++ {
				v := s[off[0]+i*st]
				if v != v {
					best, at = v, lin+i
					return
				}
				if (max && v > best) || (!max && v < best) {
					best, at = v, lin+i
				}
			}
		})
		return float32(at)
	}
	panic("cpu: unknown reduce op")
}

// sumBlockRows is the fewest source rows per block of sumColumns.
const sumBlockRows = 64

// sumScratch recycles sumColumns' accumulators (up to 256 KiB): a fresh
// large allocation per call costs page faults and garbage collections
// that took more time than the sum in a benchmark loop.
var sumScratch sync.Pool

// sumColumns is reduceColumns for a sum or mean of a block of at least
// 2·parallelMin elements (below, splitting the outputs costs less) into at
// most 4096 outputs: the rows are cut into at most eight blocks, each summed
// into its own float64 accumulator row, and the blocks' rows then added in
// block order. Splitting the rows rather than the outputs between cores
// keeps every core reading whole source rows in sequence (where the
// hardware prefetchers follow it) instead of part of each row. The cut
// depends only on the shape, not on the number of cores, so results do not
// either; the float64 bound of the package doc holds (the order differs
// from a sequential loop).
func sumColumns(mean bool, d []float32, sd int, s []float32, nOut int, red *iter) {
	st := red.inner(0)
	blocks := min(8, red.size/sumBlockRows)
	scratch, _ := sumScratch.Get().(*[]float64)
	if scratch == nil || cap(*scratch) < blocks*nOut {
		scratch = new(make([]float64, blocks*nOut))
	}
	defer sumScratch.Put(scratch)
	acc := (*scratch)[:blocks*nOut]
	clear(acc)
	parallelFor(blocks, 1, func(lo, hi int) {
		for blk := lo; blk < hi; blk++ {
			a := acc[blk*nOut : (blk+1)*nOut]
			red.walk(red.size*blk/blocks, red.size*(blk+1)/blocks, func(_ int, off *[maxOps]int, n int) {
				i := 0
				for ; i+4 <= n; i += 4 {
					vec.AccumulateRows4(a, s[off[0]+i*st:off[0]+(i+3)*st+nOut], st)
				}
				for ; i < n; i++ {
					vec.Accumulate(a, s[off[0]+i*st:off[0]+i*st+nOut])
				}
			})
		}
	})
	total := acc[:nOut]
	for blk := 1; blk < blocks; blk++ {
		for j, v := range acc[blk*nOut : (blk+1)*nOut] {
			total[j] += v
		}
	}
	for j, v := range total {
		if mean {
			v /= float64(red.size)
		}
		d[j*sd] = float32(v)
	}
}

// reduceSmall is Reduce for a sum, mean, maximum or minimum over small
// blocks of one or two coalesced axes (pooling windows, their gradients'
// tie counts): reduce2's arithmetic in the same order, so the same
// results, with the per-output calls and the op switch hoisted out of the
// loop over outputs.
func reduceSmall(op backend.ReduceOp, d []float32, sd int, s []float32, sk int, out, red *iter) {
	r := len(red.shape)
	n1, s1 := red.shape[r-1], red.strides[0][r-1]
	n0, s0 := 1, 0
	if r == 2 {
		n0, s0 = red.shape[0], red.strides[0][0]
	}
	parallelFor(out.size, max(1, parallelMin/red.size), func(lo, hi int) {
		out.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
			od, os := off[0], off[1]
			switch op {
			case backend.Sum, backend.Mean:
				scale := 1.0
				if op == backend.Mean {
					scale = float64(n0 * n1)
				}
				if n0 == 2 && n1 == 2 && op == backend.Sum {
					for o := 0; o < n; o++ {
						b := os + o*sk
						acc := float64(s[b]) + float64(s[b+s1]) + float64(s[b+s0]) + float64(s[b+s0+s1])
						d[od+o*sd] = float32(acc)
					}
					return
				}
				for o := 0; o < n; o++ {
					b := os + o*sk
					var acc float64
					for i := 0; i < n0; i++ {
						for j := 0; j < n1; j++ {
							acc += float64(s[b+i*s0+j*s1])
						}
					}
					if op == backend.Mean {
						acc /= scale
					}
					d[od+o*sd] = float32(acc)
				}
			case backend.Max:
				if n0 == 2 && n1 == 2 { // 2×2 pooling, unrolled
					for o := 0; o < n; o++ {
						b := os + o*sk
						d[od+o*sd] = maxThen(maxThen(maxThen(s[b], s[b+s1]), s[b+s0]), s[b+s0+s1])
					}
					return
				}
				for o := 0; o < n; o++ {
					b := os + o*sk
					best := s[b]
					for i := 0; i < n0; i++ {
						for j := 0; j < n1; j++ {
							if v := s[b+i*s0+j*s1]; best == best && !(best > v) {
								best = v
							}
						}
					}
					d[od+o*sd] = best
				}
			default: // Min
				for o := 0; o < n; o++ {
					b := os + o*sk
					best := s[b]
					for i := 0; i < n0; i++ {
						for j := 0; j < n1; j++ {
							if v := s[b+i*s0+j*s1]; best == best && !(best < v) {
								best = v
							}
						}
					}
					d[od+o*sd] = best
				}
			}
		})
	})
}

// maxThen is one step of reduce2's maximum: best unless best is not NaN
// and not greater than v (so a NaN v wins, and so does v at a tie).
func maxThen(best, v float32) float32 {
	if best != best || best > v {
		return best
	}
	return v
}

// sumChunks is the number of pieces sumContiguous cuts a block into.
const sumChunks = 16

// sumContiguous is the sum (or mean) of one large contiguous block, as
// vec.Sum of sumChunks pieces summed over all cores and then added in
// order: a reduction to one value would otherwise run on one core. The cut
// depends only on the length, so the result does not depend on the number
// of cores; the float64 bound of the package doc holds.
func sumContiguous(mean bool, s []float32) float32 {
	var part [sumChunks]float64
	n := len(s)
	parallelFor(sumChunks, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			part[c] = vec.Sum(s[n*c/sumChunks : n*(c+1)/sumChunks])
		}
	})
	var acc float64
	for _, v := range part {
		acc += v
	}
	if mean {
		acc /= float64(n)
	}
	return float32(acc)
}
