package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vktensor/vktensor/tensor/backend"
)

// parallelMin is the number of elements below which a memory-bound op runs
// on the calling goroutine: under it, starting and waking goroutines costs
// more than it saves. BenchmarkParallelThreshold measures it: on the shared
// 2-core development machine (best of three runs) a contiguous add split
// over both cores was slower up to 2¹⁷ elements and faster from 2¹⁸.
// Compute-bound ops (transcendental functions, softmax) split from
// parallelMinHeavy elements. (Variables so that the benchmark can move
// them.)
var (
	parallelMin      = 1 << 18
	parallelMinHeavy = 1 << 14
)

// maxOps is the most operands one iteration walks together (Where: dst,
// cond, a, b).
const maxOps = 4

// iter is the iteration space of an elementwise op over up to four operands
// of one shape, with axes of size 1 dropped and neighbouring axes merged
// where every operand is contiguous across them. The last axis is walked by
// the inner loops; the ones before it identify rows.
type iter struct {
	shape   []int
	strides [maxOps][]int
	nops    int
	size    int
}

// newIter coalesces the axes of shape over the strides of ops.
func newIter(shape []int, ops ...backend.Strided) iter {
	it := iter{nops: len(ops), size: 1}
	for _, d := range shape {
		it.size *= d
	}
	for i, d := range shape {
		if d == 1 {
			continue
		}
		n := len(it.shape)
		merge := n > 0
		for k := range ops {
			if merge && it.strides[k][n-1] != ops[k].Strides[i]*d {
				merge = false
			}
		}
		if merge {
			it.shape[n-1] *= d
			for k := range ops {
				it.strides[k][n-1] = ops[k].Strides[i]
			}
			continue
		}
		it.shape = append(it.shape, d)
		for k := range ops {
			it.strides[k] = append(it.strides[k], ops[k].Strides[i])
		}
	}
	if len(it.shape) == 0 { // a single element
		it.shape = []int{1}
		for k := range ops {
			it.strides[k] = []int{0}
		}
	}
	return it
}

// inner returns the inner-axis stride of operand k.
func (it *iter) inner(k int) int { return it.strides[k][len(it.shape)-1] }

// walk calls body for every run of consecutive inner-axis elements whose
// row-major linear index lies in [lo, hi): off holds each operand's element
// offset (relative to its Strided.Offset) of the run's first element, lin that
// element's linear index, and n the run's length. body must not modify off.
func (it *iter) walk(lo, hi int, body func(lin int, off *[maxOps]int, n int)) {
	if lo >= hi {
		return
	}
	last := len(it.shape) - 1
	rowLen := it.shape[last]
	// Row index as an odometer over the outer axes: decomposed once, then
	// advanced by increments, so short rows cost no division.
	var small [8]int
	idx := small[:0]
	if last > len(small) {
		idx = make([]int, 0, last)
	}
	idx = idx[:last]
	var base, off [maxOps]int
	row, col := lo/rowLen, lo%rowLen
	for ax := last - 1; ax >= 0; ax-- {
		idx[ax] = row % it.shape[ax]
		row /= it.shape[ax]
		for k := 0; k < it.nops; k++ {
			base[k] += idx[ax] * it.strides[k][ax]
		}
	}
	for lin := lo; lin < hi; {
		n := min(rowLen-col, hi-lin)
		for k := 0; k < it.nops; k++ {
			off[k] = base[k] + col*it.strides[k][last]
		}
		body(lin, &off, n)
		lin += n
		col = 0
		for ax := last - 1; ax >= 0; ax-- {
			idx[ax]++
			for k := 0; k < it.nops; k++ {
				base[k] += it.strides[k][ax]
			}
			if idx[ax] < it.shape[ax] {
				break
			}
			idx[ax] = 0
			for k := 0; k < it.nops; k++ {
				base[k] -= it.strides[k][ax] * it.shape[ax]
			}
		}
	}
}

// run walks the whole space, split over the available cores when it is
// large. body must be safe to call concurrently for disjoint ranges.
func (it *iter) run(body func(lin int, off *[maxOps]int, n int)) {
	it.runMin(parallelMin, body)
}

// runMin is run splitting from minWork elements.
func (it *iter) runMin(minWork int, body func(lin int, off *[maxOps]int, n int)) {
	parallelFor(it.size, minWork, func(lo, hi int) { it.walk(lo, hi, body) })
}

// parallelFor splits [0, n) into contiguous chunks when n is at least
// minWork and runs fn on each, on GOMAXPROCS goroutines (the caller's
// among them) that take the next chunk as they finish one; otherwise it
// calls fn(0, n). There are up to four chunks per core, each at least
// minWork/4 long: when the machine is shared and a core is taken away
// mid-op, the others pick up its remaining chunks instead of waiting for
// it.
func parallelFor(n, minWork int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if n < minWork || p == 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	chunks := max(p, min(4*p, n/max(minWork/4, 1)))
	chunks = min(chunks, n)
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1)) - 1
			if c >= chunks {
				return
			}
			fn(n*c/chunks, n*(c+1)/chunks)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < min(p, chunks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}
