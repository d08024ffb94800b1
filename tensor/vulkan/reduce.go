package vulkan

import (
	"math"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

const rowGroup = 256 // workgroup size of reduce and softmax (power of two)

// reduce reduces the trailing axes of src into dst. Long rows get a
// workgroup each (subgroup arithmetic where the device has it, for the
// non-arg ops); short rows, and rows whose elements are far apart while
// neighbouring rows are adjacent (a reduction over a leading axis seen
// through a transposed view), get one invocation each so that loads
// coalesce across rows.
func (b *Backend) reduce(op backend.ReduceOp, dst, src backend.Strided) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	nd := len(dst.Shape)
	inShape := src.Shape[nd:]
	nIn := 1
	for _, s := range inShape {
		nIn *= s
	}
	if nIn == 0 {
		v := float32(0)
		if op != backend.Sum {
			v = float32(math.NaN())
		}
		b.fill(dst, v)
		return
	}
	inner := plan(inShape, []backend.Strided{{Strides: src.Strides[nd:]}}, false, -1)
	if len(inner) != 1 {
		// more than 4 non-mergeable reduced axes: make them dense first
		tmp, err := b.alloc(src.Size())
		if err != nil {
			b.fail(err)
			return
		}
		c := backend.Strided{Buf: tmp, Shape: src.Shape, Strides: rowMajor(src.Shape)}
		b.copy(c, src)
		b.reduce(op, dst, c)
		b.free(tmp)
		return
	}
	ip := inner[0]
	outSrc := backend.Strided{Offset: src.Offset, Shape: dst.Shape, Strides: src.Strides[:nd]}
	parts := plan(dst.Shape, []backend.Strided{dst, outSrc}, true, -1)
	for i := range parts {
		p := &parts[i]
		if !p.fits32(2) || p.off[1]+ip.extent(0) > maxElems {
			b.fail(errTooLarge)
			return
		}
		// columns: outputs adjacent in src, reduced elements strided
		if nIn >= 64 && p.n >= 32 && ip.st[0][3] != 1 && p.st[1][3] == 1 && op <= backend.Min {
			b.reduceCols(op, dst, src, p, &ip, nIn)
			continue
		}
		// a workgroup per row unless rows are short, or many rows that are
		// adjacent to each other but strided inside
		mode := uint32(1)
		if nIn < 64 || (p.n >= 1024 && ip.st[0][3] != 1 && p.st[1][3] == 1) {
			mode = 0
		}
		kernel := "reduce"
		if mode == 1 && b.info.SubgroupArithmetic && op <= backend.Min {
			kernel = "reduce_sg"
		}
		w := reducePush(p, &ip, nIn)
		items := p.n
		if mode == 1 {
			items *= rowGroup
		}
		b.dispatch(b.pipeline(kernel, 2, reducePushBytes, rowGroup, uint32(op), mode), kernel, w,
			b.grid(items, rowGroup), out(dst), in(src))
	}
}

// reducePushBytes is the size of reduce.glsl's push constants.
const reducePushBytes = 108

// reducePush fills reduce.glsl's push constants for part p (operand 0 dst,
// 1 src) and the reduced block ip.
func reducePush(p, ip *part, nIn int) []uint32 {
	w := make([]uint32, reducePushBytes/4)
	for d := 0; d < maxRank; d++ {
		w[d] = uint32(p.shape[d])
		w[4+d] = uint32(p.st[1][d])
		w[8+d] = uint32(p.st[0][d])
		w[12+d] = uint32(ip.shape[d])
		w[16+d] = uint32(ip.st[0][d])
	}
	w[20], w[21], w[22], w[23] = uint32(p.off[1]), uint32(p.off[0]), uint32(p.n), uint32(nIn)
	w[24], w[25], w[26] = uint32(nIn), 0, uint32(nIn)
	return w
}

// colBlock is the number of adjacent outputs per MODE 2 workgroup
// (RCOLS in reduce.glsl).
const colBlock = 32

// reduceCols reduces columns (MODE 2 of reduce.glsl): workgroups of
// colBlock adjacent outputs × rowGroup/colBlock row groups. When there are
// few column blocks, the reduced range is split into chunks that write
// partials to a temporary [chunks, p.n] buffer, which a second MODE 2 pass
// (over chunks, now adjacent outputs with stride p.n) reduces into dst.
func (b *Backend) reduceCols(op backend.ReduceOp, dst, src backend.Strided, p, ip *part, nIn int) {
	blocks := (p.n + colBlock - 1) / colBlock
	rows := rowGroup / colBlock
	// aim for colTarget workgroups, each chunk at least 16 elements per row
	// group
	chunks := max(1, min((colTarget+blocks-1)/blocks, nIn/(16*rows)))
	if forceChunks > 0 {
		chunks = min(forceChunks, nIn)
	}
	if chunks == 1 {
		w := reducePush(p, ip, nIn)
		b.dispatch(b.pipeline("reduce", 2, reducePushBytes, rowGroup, uint32(op), 2), "reduce", w,
			b.grid(blocks*rowGroup, rowGroup), out(dst), in(src))
		return
	}
	chunk := (nIn + chunks - 1) / chunks
	chunks = (nIn + chunk - 1) / chunk
	tmp, err := b.alloc(chunks * p.n)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(tmp)
	// pass 1: partials at tmp[c*p.n + r], r the row-major output index
	op1 := op
	if op == backend.Mean {
		op1 = backend.Sum
	}
	q := *p
	q.off[0] = 0
	m := 1
	for d := maxRank - 1; d >= 0; d-- {
		q.st[0][d] = m
		m *= q.shape[d]
	}
	w := reducePush(&q, ip, nIn)
	w[24], w[25] = uint32(chunk), uint32(p.n)
	b.dispatch(b.pipeline("reduce", 2, reducePushBytes, rowGroup, uint32(op1), 2), "reduce", w,
		b.grid(blocks*chunks*rowGroup, rowGroup), gbuf(tmp).Out(), in(src))
	// pass 2: reduce the chunks of every output
	var r part
	r.rank, r.n, r.shape = p.rank, p.n, p.shape
	r.st[0], r.off[0] = p.st[0], p.off[0]
	r.st[1] = q.st[0]
	var red part // the chunks: stride p.n in tmp
	red.rank, red.n = 1, chunks
	red.shape = [maxRank]int{1, 1, 1, chunks}
	red.st[0] = [maxRank]int{0, 0, 0, p.n}
	w = reducePush(&r, &red, chunks)
	w[26] = uint32(nIn)
	b.dispatch(b.pipeline("reduce", 2, reducePushBytes, rowGroup, uint32(op), 2), "reduce", w,
		b.grid(blocks*rowGroup, rowGroup), out(dst), gbuf(tmp).In())
}

// colTarget is the number of workgroups column reductions aim for.
var colTarget = 2048

// forceChunks, when not 0, forces the number of chunks of column
// reductions (1: no split), for tests and tuning.
var forceChunks int

// softmax computes softmax or log-softmax along the last axis; see
// shaders/softmax.comp.
func (b *Backend) softmax(dst, src backend.Strided, log bool) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	r := len(src.Shape)
	L, sst, dstr := 1, 0, 0
	rows := backend.Strided{Offset: src.Offset}
	drows := backend.Strided{Offset: dst.Offset}
	if r > 0 {
		L, sst, dstr = src.Shape[r-1], src.Strides[r-1], dst.Strides[r-1]
		rows.Shape, rows.Strides = src.Shape[:r-1], src.Strides[:r-1]
		drows.Shape, drows.Strides = dst.Shape[:r-1], dst.Strides[:r-1]
	}
	lg := uint32(0)
	if log {
		lg = 1
	}
	parts := plan(rows.Shape, []backend.Strided{drows, rows}, true, -1)
	for i := range parts {
		p := &parts[i]
		if !p.fits32(2) || p.off[0]+(L-1)*dstr > maxElems || p.off[1]+(L-1)*sst > maxElems {
			b.fail(errTooLarge)
			return
		}
		mode := uint32(1)
		if L < 128 {
			mode = 0
		}
		cache, vec := uint32(1), uint32(0)
		if c := softmaxCache(L); mode == 1 && c > 0 {
			mode, cache = 2, uint32(c)
			if sst == 1 && dstr == 1 && L%4 == 0 && aligned4(p) {
				vec = 1
			}
		}
		kernel := "softmax"
		if mode == 2 && b.info.SubgroupArithmetic {
			kernel = "softmax_sg"
		}
		pipe := b.pipeline(kernel, 2, 72, rowGroup, mode, lg, cache, vec)
		w := make([]uint32, 18)
		for d := 0; d < maxRank; d++ {
			w[d] = uint32(p.shape[d])
			w[4+d] = uint32(p.st[1][d])
			w[8+d] = uint32(p.st[0][d])
		}
		w[12], w[13], w[14], w[15], w[16], w[17] = uint32(p.off[1]), uint32(p.off[0]), uint32(L), uint32(sst), uint32(dstr), uint32(p.n)
		items := p.n
		if mode != 0 {
			items *= rowGroup
		}
		b.dispatch(pipe, "softmax", w, b.grid(items, rowGroup), gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src))
	}
}

// softmaxCache returns CACHE for softmax.comp's MODE 2 (row elements per
// invocation / 4, rounded up to a power of two) for rows of L elements, or
// 0 when the row is too long to hold in registers.
func softmaxCache(L int) int {
	c := 1
	for 4*c*rowGroup < L {
		c *= 2
	}
	if c > softmaxMaxCache {
		return 0
	}
	return c
}

// softmaxMaxCache bounds MODE 2's registers (8: rows of up to 8192, 32
// floats per invocation); 0 turns MODE 2 off (VKT_SOFTMAX_CACHE in
// BenchmarkMemory compares). MODE 2 reads the row once where MODE 1 reads
// it twice and takes two exponentials per element: on lavapipe at 1024²
// it is the faster one; it has not been timed on a GPU yet (MODE 1 ran at
// 1049 GB/s on an H200 at 8192², an earlier shared-memory row cache at 810).
var softmaxMaxCache = 8

// aligned4 reports whether every operand of p starts each row on a
// multiple of 4 elements.
func aligned4(p *part) bool {
	for k := 0; k < 2; k++ {
		if p.off[k]%4 != 0 {
			return false
		}
		for d := 0; d < maxRank; d++ {
			if p.shape[d] > 1 && p.st[k][d]%4 != 0 {
				return false
			}
		}
	}
	return true
}
