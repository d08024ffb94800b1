package vulkan

import (
	"errors"
	"fmt"
	"math"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

const rowGroup = 256 // workgroup size of reduce and softmax (power of two)

// reduce reduces the trailing axes of src into dst. Short rows get an
// invocation each, long rows a workgroup each (subgroup arithmetic where
// the device has it, for the non-arg ops), and rows whose elements are far
// apart while neighbouring rows are adjacent (a reduction over a leading
// axis seen through a transposed view) a column of a workgroup that
// covers 32 adjacent outputs, so that loads coalesce across rows. Long
// blocks, and few outputs, are cut into chunks that reduce to partials in
// a temporary buffer, which further passes reduce in a fixed order: no
// shader loop runs longer than reduceMaxIter steps, small outputs still
// spread over many workgroups, and the result does not depend on
// scheduling.
//
// ArgMax and ArgMin write Int32 indices; blocks of more than 2^31
// elements fail (errArgTooLong). Int32 sources run reduce_i32 (exact,
// wrapping sums); 16-bit ones reduce16 or reduce_sg16, which widen each
// element to float32 as they read it, keep float32 partials and round the
// result once.
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
		v := 0.0
		if op != backend.Sum {
			v = math.NaN()
		}
		b.fill(dst, v)
		return
	}
	if isArg(op) && nIn-1 > maxExactIndex {
		name := "ArgMax"
		if op == backend.ArgMin {
			name = "ArgMin"
		}
		b.fail(fmt.Errorf("vulkan: %s over %d elements: %w", name, nIn, errArgTooLong))
		return
	}
	inner := plan(inShape, []backend.Strided{{Strides: src.Strides[nd:]}}, false, -1)
	if len(inner) != 1 {
		// more than 4 non-mergeable reduced axes: make them dense first
		tmp, err := b.allocOf(src.DType(), src.Size())
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
		b.reducePasses(reduction{op: op, o: *p, ip: ip, nIn: nIn, div: nIn, dst: dst.Buf, src: src.Buf,
			ints: src.DType() == backend.Int32, st: src.DType(), dt: dst.DType()}, forceChunks)
	}
}

// maxExactIndex is the largest index an Int32 result holds.
const maxExactIndex = math.MaxInt32

// errArgTooLong is the failure of ArgMax and ArgMin over more elements
// than int32 indexes.
var errArgTooLong = errors.New("vulkan: reduced block too long for int32 indices (at most 2^31 elements)")

func isArg(op backend.ReduceOp) bool { return op == backend.ArgMax || op == backend.ArgMin }

// reduction is one pass of a Reduce: the outputs o (operand 0 dst, 1 src)
// and the reduced block ip (operand 0 src) of nIn elements each.
type reduction struct {
	op       backend.ReduceOp
	o, ip    part
	nIn      int
	div      int // Mean's divisor: the elements of the original block
	dst, src backend.Buffer
	auxS     int           // > 0: src holds arg partials, indices auxS after values
	ints     bool          // int32 values (reduce_i32), partials included
	st, dt   backend.DType // src's and dst's dtypes (Float32 for partials)
}

// Tuning of the reduce passes.
var (
	// reduceMaxIter bounds the steps of every reduce loop, which bounds
	// the chunk a work item reduces (llvmpipe stops loops after 65535
	// iterations; a GPU wants many workgroups anyway).
	reduceMaxIter = 1024
	// reduceMinIter is the fewest steps per invocation that a chunk is cut
	// down to when spreading few outputs over more workgroups.
	reduceMinIter = 16
	// colTarget is the number of workgroups a reduction aims for when
	// its outputs alone give fewer.
	colTarget = 2048
	// forceChunks, when not 0, forces the number of chunks of the first
	// pass (1: no split), for tests and tuning.
	forceChunks int
)

// reduce runs r: directly into r.dst when one chunk per output does, else
// a pass to partials [chunks, outputs] in a temporary buffer and a
// reduction of those (force > 0 fixes the number of chunks).
func (b *Backend) reducePasses(r reduction, force int) {
	o, ip := &r.o, &r.ip
	strided := ip.st[0][3] != 1 && o.st[1][3] == 1 // outputs adjacent, elements apart
	mode, _, _, chunks, chunk := planReduce(o.n, r.nIn, strided, force)
	vec := uint32(0)
	if mode == 1 && r.auxS == 0 && !is16(r.st) && dense4(o, ip) {
		vec = 1
		chunk = (chunk + 3) &^ 3 // chunks start on multiples of 4
		chunks = (r.nIn + chunk - 1) / chunk
	}
	kernel := "reduce"
	switch {
	case r.ints:
		kernel = "reduce_i32"
	case mode == 1 && b.info.SubgroupArithmetic && !isArg(r.op):
		kernel = "reduce_sg"
	}
	// values: the dtypes of the 16-bit builds (0 where not 16-bit)
	st, dt := uint32(0), uint32(0)
	if is16(r.st) {
		st = uint32(r.st)
	}
	if is16(r.dt) && !isArg(r.op) {
		dt = uint32(r.dt)
	}
	pairsIn := uint32(0)
	if r.auxS > 0 {
		pairsIn = 1
	}
	items := o.n * chunks
	if mode == 1 {
		items *= rowGroup
	} else if mode == 2 {
		items = (o.n + colBlock - 1) / colBlock * chunks * rowGroup
	}
	if chunks == 1 {
		if st != 0 || dt != 0 {
			kernel += "16"
		}
		pc := reducePush(o, ip, r.nIn, chunk, 0, r.div, r.auxS, 0)
		spec := reduceSpec{Workgroup: rowGroup, Op: uint32(r.op), Mode: uint32(mode), Pairs: pairsIn, Vec: vec, SType: st, DType: dt}
		b.dispatch(b.pipeline(kernel, 2, specWords(&spec)), kernel, pushBytes(&pc),
			b.grid(items, rowGroup), gbuf(r.dst).Out(), gbuf(r.src).In())
		return
	}
	// pass 1: partials at tmp[c*o.n + i], i the row-major output index;
	// arg ops put the indices after all values
	n := chunks * o.n
	arg := isArg(r.op)
	tmpLen := n
	if arg {
		tmpLen *= 2
	}
	tmp, err := b.alloc(tmpLen)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(tmp)
	op1, pairs1, auxD := r.op, pairsIn, 0
	if r.op == backend.Mean {
		op1 = backend.Sum
	}
	if arg {
		pairs1 |= 2
		auxD = n
	}
	q := *o
	q.off[0] = 0
	q.st[0] = denseStrides(q.shape)
	pc := reducePush(&q, ip, r.nIn, chunk, o.n, r.div, r.auxS, auxD)
	if st != 0 {
		kernel += "16" // a 16-bit src, float32 partials
	}
	spec := reduceSpec{Workgroup: rowGroup, Op: uint32(op1), Mode: uint32(mode), Pairs: pairs1, Vec: vec, SType: st}
	b.dispatch(b.pipeline(kernel, 2, specWords(&spec)), kernel, pushBytes(&pc),
		b.grid(items, rowGroup), gbuf(tmp).Out(), gbuf(r.src).In())
	// then reduce the chunks of every output: stride o.n in tmp
	next := reduction{op: r.op, o: *o, nIn: chunks, div: r.div, dst: r.dst, src: tmp, auxS: auxD, ints: r.ints,
		st: backend.Float32, dt: r.dt}
	if r.ints {
		next.st = backend.Int32
	}
	next.o.off[1] = 0
	next.o.st[1] = q.st[0]
	next.ip.rank, next.ip.n = 1, chunks
	next.ip.shape = [maxRank]int{1, 1, 1, chunks}
	next.ip.st[0] = [maxRank]int{0, 0, 0, o.n}
	b.reducePasses(next, 0)
}

// planReduce picks the kernel mode for nOut outputs of nIn elements each
// (strided: outputs adjacent in src, their elements apart), and cuts the
// blocks into chunks of chunk elements: each work item takes at most
// reduceMaxIter steps of step elements, and when the outputs alone give
// fewer than colTarget workgroups (groups per chunk), blocks are cut
// further, down to reduceMinIter steps.
func planReduce(nOut, nIn int, strided bool, force int) (mode, step, groups, chunks, chunk int) {
	mode, step, groups = 1, rowGroup, nOut
	switch {
	case nIn < 64:
		mode, step, groups = 0, 1, (nOut+rowGroup-1)/rowGroup
	case nOut >= colBlock && strided:
		mode, step, groups = 2, rowGroup/colBlock, (nOut+colBlock-1)/colBlock
	}
	chunks = (nIn + step*reduceMaxIter - 1) / (step * reduceMaxIter)
	if mode != 0 && groups*chunks < colTarget {
		want := (colTarget + groups - 1) / groups
		chunks = max(chunks, min(want, nIn/(step*reduceMinIter)))
	}
	if force > 0 {
		chunks = min(force, nIn)
	}
	chunk = max((nIn+chunks-1)/chunks, min(nIn, 2)) // at least 2: every pass shrinks
	chunks = (nIn + chunk - 1) / chunk
	return mode, step, groups, chunks, chunk
}

// dense4 reports whether reduced blocks ip are one dense axis and every
// output's block (operand 1 of o) starts on a multiple of 4 elements.
func dense4(o, ip *part) bool {
	if ip.rank != 1 || ip.st[0][3] != 1 || o.off[1]%4 != 0 {
		return false
	}
	for d := 0; d < maxRank; d++ {
		if o.shape[d] > 1 && o.st[1][d]%4 != 0 {
			return false
		}
	}
	return true
}

// denseStrides returns the row-major strides of a padded shape.
func denseStrides(shape [maxRank]int) [maxRank]int {
	var st [maxRank]int
	m := 1
	for d := maxRank - 1; d >= 0; d-- {
		st[d] = m
		m *= shape[d]
	}
	return st
}

// reducePush fills reduce.glsl's push constants for outputs p (operand 0
// dst, 1 src) and the reduced block ip of nIn elements, cut into chunks of
// chunk elements whose partials lie cst apart in dst.
func reducePush(p, ip *part, nIn, chunk, cst, div, auxS, auxD int) reducePC {
	var pc reducePC
	for d := 0; d < maxRank; d++ {
		pc.Oshape[d] = uint32(p.shape[d])
		pc.Ost[d] = uint32(p.st[1][d])
		pc.Dst[d] = uint32(p.st[0][d])
		pc.Ishape[d] = uint32(ip.shape[d])
		pc.Ist[d] = uint32(ip.st[0][d])
	}
	pc.OffS, pc.OffD, pc.NOut, pc.NIn = uint32(p.off[1]), uint32(p.off[0]), uint32(p.n), uint32(nIn)
	pc.Chunk, pc.Cst, pc.Div, pc.AuxS, pc.AuxD = uint32(chunk), uint32(cst), uint32(div), uint32(auxS), uint32(auxD)
	return pc
}

// colBlock is the number of adjacent outputs per MODE 2 workgroup
// (RCOLS in reduce.glsl).
const colBlock = 32

// softmax computes softmax or log-softmax along the last axis; see
// shaders/softmax.comp.
func (b *Backend) softmax(dst, src backend.Strided, log bool) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	// 16-bit rows: the "16" builds, without vec4 access
	dt, suffix := uint32(0), ""
	if is16(dst.DType()) {
		dt, suffix = uint32(dst.DType()), "16"
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
			if dt == 0 && sst == 1 && dstr == 1 && L%4 == 0 && aligned4(p) {
				vec = 1
			}
		}
		pc := softmaxPC{OffS: uint32(p.off[1]), OffD: uint32(p.off[0]), L: uint32(L), Sst: uint32(sst), Dstr: uint32(dstr), NRows: uint32(p.n)}
		for d := 0; d < maxRank; d++ {
			pc.Oshape[d] = uint32(p.shape[d])
			pc.Ost[d] = uint32(p.st[1][d])
			pc.Dst[d] = uint32(p.st[0][d])
		}
		if mode == 1 {
			if chunks := softmaxChunks(L, p.n); chunks > 1 {
				b.softmaxLong(dst, src, &pc, L, p.n, chunks, lg, dt, suffix)
				continue
			}
		}
		kernel := "softmax"
		if mode == 2 && b.info.SubgroupArithmetic {
			kernel = "softmax_sg"
		}
		kernel += suffix
		pipe := b.pipeline(kernel, 2, specWords(&softmaxSpec{Workgroup: rowGroup, Mode: mode, Log: lg, Cache: cache, Vec: vec, DType: dt}))
		items := p.n
		if mode != 0 {
			items *= rowGroup
		}
		b.dispatch(pipe, "softmax", pushBytes(&pc), b.grid(items, rowGroup), gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src))
	}
}

// softmaxForceChunks, when not 0, forces rows that are not held in
// registers through softmax_long with that many chunks, for tests.
var softmaxForceChunks int

// softmaxChunks returns the number of workgroups per row for rows of L
// elements that are not held in registers: 1 (one workgroup loops over
// the row, softmax.comp MODE 1) while that loop stays within reduceMaxIter
// steps and the rows alone give colTarget workgroups, more otherwise.
func softmaxChunks(L, rows int) int {
	if softmaxForceChunks > 0 {
		return min(softmaxForceChunks, L)
	}
	per := rowGroup * reduceMaxIter
	chunks := (L + per - 1) / per
	if rows*chunks < colTarget {
		chunks = max(chunks, min((colTarget+rows-1)/rows, L/(rowGroup*reduceMinIter)))
	}
	return max(chunks, 1)
}

// softmaxLong runs softmax_long.comp over rows of L elements cut into
// chunks workgroups each: push constants pc as for softmax.comp, to which
// it adds the chunking.
func (b *Backend) softmaxLong(dst, src backend.Strided, pc *softmaxPC, L, rows, chunks int, lg, dt uint32, suffix string) {
	chunk := (L + chunks - 1) / chunks
	chunks = (L + chunk - 1) / chunk
	pc.Chunk, pc.Chunks = uint32(chunk), uint32(chunks)
	n := rows * chunks
	if n > maxElems/2 {
		b.fail(errTooLarge)
		return
	}
	pairs, err := b.alloc(2 * n)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(pairs)
	grid := b.grid(n*rowGroup, rowGroup)
	spec := softmaxLongSpec{Workgroup: rowGroup, Log: lg, DType: dt}
	b.dispatch(b.pipeline("softmax_long"+suffix, 2, specWords(&spec)), "softmax_long"+suffix, pushBytes(pc), grid,
		gbuf(pairs).Out(), in(src))
	b.dispatch(b.pipeline("softmax_long_w"+suffix, 3, specWords(&spec)), "softmax_long_w"+suffix, pushBytes(pc), grid,
		gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src), gbuf(pairs).In())
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
