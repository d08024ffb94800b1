// Package gemm is a pure-Go (no cgo) single-precision matrix multiply for
// the CPU tensor backend.
//
// The algorithm follows the Goto/BLIS layering. C is walked in column
// panels of width nc; for each panel the k dimension is cut into slabs of
// depth kc and the matching kc×nc slice of B is packed into a contiguous
// buffer laid out as nr-wide slivers. For each slab, A is walked in blocks
// of mc rows, each packed into mr-tall slivers. A register-tiled mr×nr
// micro-kernel then multiplies one A sliver by one B sliver, keeping the
// whole mr×nr tile of C in registers for the full kc depth. The block sizes
// are chosen so that a B sliver stays in L1, the packed A block in L2 and
// the packed B panel in the last-level cache.
//
// Packing reads the operands through arbitrary strides, so transposed or
// broadcast operands cost no more than row-major ones. Ragged edges are
// zero-padded in the packed buffers and written back through a small
// temporary tile, as is any C whose column stride is not 1.
//
// On amd64 the micro-kernel is written in assembly, a 12×32 tile with
// AVX-512 (8×32 where m is a multiple of 8 that 12 pads by more than a
// twentieth) or a 6×16 one with AVX2 and FMA, chosen at run time
// (VKT_NO_AVX512=1 forces AVX2); elsewhere, or with the purego build tag, a
// portable Go kernel is used. A skinny product (n below the tile width, as
// the 10-class output layer) is computed transposed when that pads less.
// Large problems are split across GOMAXPROCS goroutines.
package gemm

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// Register tile of the AVX2 and portable micro-kernels: mr rows of A by
// nr columns of B. The AVX-512 kernel's tile is twice that each way; the
// packed layout follows the kernel in use (microKernel.mr, .nr).
const (
	mr = 6
	nr = 16
)

// maxTile is the largest mr·nr of any kernel (AVX-512's 12×32).
const maxTile = 12 * 32

// Cache block sizes. A kc×nr B sliver is 16 KiB (fits L1), an mc×kc A block
// is 144 KiB (fits a 512 KiB L2 with room for B slivers and C lines), and a
// kc×nc B panel is 4 MiB (last-level cache).
const (
	kcMax = 256
	mcMax = 144  // multiple of mr
	ncMax = 4096 // multiple of nr
)

// A B sliver is read in place when it has at most directRows rows or
// spans at most directSpan elements (1 MiB). The MNIST MLP's output-layer
// products span up to a quarter of that; the CNN's first conv has 25 rows
// 800 KB apart and is faster in place, its second 200 rows 200 KB apart and
// runs 35% faster packed.
const (
	directRows = 32
	directSpan = 1 << 18
)

// Problems with fewer multiply-adds than this run on the calling goroutine.
const parallelThreshold = 64 * 64 * 64

// Matrix describes a strided float32 matrix view: element (i, j) is
// Data[Off + i*RS + j*CS]. RS and CS may be any non-negative values
// (0 = broadcast), e.g. a transposed operand has RS=1, CS=ld.
type Matrix struct {
	Data        []float32
	Off, RS, CS int
}

// transposed views xᵀ.
func (x Matrix) transposed() Matrix { return Matrix{Data: x.Data, Off: x.Off, RS: x.CS, CS: x.RS} }

// padded is x rounded up to a whole number of tiles of size t.
func padded(x, t int) int { return (x + t - 1) / t * t }

// at returns the index of element (i, j).
func (x Matrix) at(i, j int) int { return x.Off + i*x.RS + j*x.CS }

// kernelFunc multiplies a packed mr×k A sliver by a packed k×nr B sliver
// and stores (or, when accum, adds) the mr×nr result into c, whose rows are
// ldc elements apart and whose columns are contiguous.
type kernelFunc func(k int, a, b, c []float32, ldc int, accum bool)

// directFunc is a kernelFunc that reads B in place: nr consecutive
// elements per k step, rows ldb apart.
type directFunc func(k int, a, b []float32, ldb int, c []float32, ldc int, accum bool)

// microKernel is a kernel with its register tile, and optionally its
// variant reading B in place and a kernel with a shorter tile for the
// row counts it pads less.
type microKernel struct {
	fn     kernelFunc
	mr, nr int
	name   string
	direct directFunc
	narrow *microKernel
}

// generic is the portable kernel.
var generic = microKernel{fn: kernelGeneric, mr: mr, nr: nr, name: "generic"}

// kernel is the micro-kernel used by Sgemm. Tests swap it to cover every
// kernel the machine can run.
var kernel = pickKernel()

// buffers holds the per-call packing space; pooled so that steady-state
// calls do not allocate.
type buffers struct {
	a, b []float32
	// tile receives edge micro-tiles; it lives here rather than on the
	// stack because the kernel is called through a func value, which
	// would make a stack array escape.
	tile [maxTile]float32
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

// grow returns s resized to n elements, reallocating only when needed.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Sgemm computes C = A·B (or C += A·B when accumulate) for an m×k A, k×n B,
// m×n C. It uses all cores (runtime.GOMAXPROCS) when the work is large
// enough, and is safe for concurrent calls. C must not overlap A or B.
// It panics if a view reaches outside its Data or a dimension is negative.
func Sgemm(m, n, k int, a, b, c Matrix, accumulate bool) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	checkView("C", c, m, n)
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					c.Data[c.at(i, j)] = 0
				}
			}
		}
		return
	}
	checkView("A", a, m, k)
	checkView("B", b, k, n)

	kern := kernel
	if n < kern.nr && m > n && padded(n, kern.nr)*padded(m, kern.mr) > padded(n, kern.mr)*padded(m, kern.nr) {
		// A skinny C (the n = 10 output layer): computing Cᵀ = Bᵀ·Aᵀ
		// wastes less of the register tile on padding.
		a, b = b.transposed(), a.transposed()
		c = c.transposed()
		m, n = n, m
	}
	if nk := kern.narrow; nk != nil && 20*padded(m, nk.mr) <= 19*padded(m, kern.mr) {
		// The shorter tile saves at least a twentieth of the work (the
		// CNN's 32 and 64 channels: a ninth).
		kern = *nk
	}
	workers := runtime.GOMAXPROCS(0)
	if m*n*k < parallelThreshold || workers <= 1 {
		serial(kern, m, n, k, a, b, c, accumulate)
		return
	}
	parallel(kern, workers, m, n, k, a, b, c, accumulate)
}

// checkView panics unless every element of the r×cols view x lies in x.Data,
// so that the assembly kernel never writes out of bounds.
func checkView(name string, x Matrix, r, cols int) {
	if x.Off < 0 || x.RS < 0 || x.CS < 0 {
		panic(fmt.Sprintf("gemm: %s has negative offset or stride (Off=%d RS=%d CS=%d)", name, x.Off, x.RS, x.CS))
	}
	if last := x.at(r-1, cols-1); last >= len(x.Data) {
		panic(fmt.Sprintf("gemm: %s view %dx%d (Off=%d RS=%d CS=%d) exceeds len %d", name, r, cols, x.Off, x.RS, x.CS, len(x.Data)))
	}
}

// parallel splits the larger of M and N into contiguous ranges, whole
// micro-tiles each, and runs one serial multiply per range. Each worker
// packs its own operands, which duplicates some packing of the shared
// operand but needs no synchronisation beyond the final wait.
func parallel(kern microKernel, workers, m, n, k int, a, b, c Matrix, accumulate bool) {
	splitM := m >= n
	tile, dim := kern.nr, n
	if splitM {
		tile, dim = kern.mr, m
	}
	tiles := (dim + tile - 1) / tile
	// Keep at least parallelThreshold/2 multiply-adds per worker.
	if w := m * n * k / (parallelThreshold / 2); w < workers {
		workers = w
	}
	workers = min(workers, tiles)
	if workers <= 1 {
		serial(kern, m, n, k, a, b, c, accumulate)
		return
	}
	var wg sync.WaitGroup
	for w := workers - 1; w >= 0; w-- {
		lo := w * tiles / workers * tile
		hi := min((w+1)*tiles/workers*tile, dim)
		sa, sb, sc := a, b, c
		mm, nn := m, n
		if splitM {
			sa.Off += lo * a.RS
			sc.Off += lo * c.RS
			mm = hi - lo
		} else {
			sb.Off += lo * b.CS
			sc.Off += lo * c.CS
			nn = hi - lo
		}
		if w == 0 {
			// The caller's goroutine takes the first range itself.
			serial(kern, mm, nn, k, sa, sb, sc, accumulate)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serial(kern, mm, nn, k, sa, sb, sc, accumulate)
		}()
	}
	wg.Wait()
}

// split returns the block size to use for a dimension of length n with an
// upper bound of max, balanced so the last block is not a thin remainder.
// The result is rounded up to a multiple of align.
func split(n, max, align int) int {
	if n <= max {
		return n
	}
	blocks := (n + max - 1) / max
	s := (n + blocks - 1) / blocks
	s = (s + align - 1) / align * align
	return min(s, max)
}

// serial runs the blocked multiply on the calling goroutine.
func serial(kern microKernel, m, n, k int, a, b, c Matrix, accumulate bool) {
	mr, nr := kern.mr, kern.nr
	kc := split(k, kcMax, 1)
	mc := split(m, mcMax, mr)
	nc := split(n, ncMax, nr)

	buf := bufPool.Get().(*buffers)
	buf.a = grow(buf.a, roundUp(mc, mr)*kc)
	buf.b = grow(buf.b, roundUp(nc, nr)*kc)

	// With one block of A rows (m ≤ mcMax) each packed B sliver would be
	// used by few A slivers, so packing B costs as much as the product:
	// a kernel that can reads B's full-width slivers in place. Not when
	// a sliver has many rows lying far apart (the second conv's [C·k²,
	// N·H·W] patches): each of its lines is then a cache and TLB miss
	// that the prefetchers, following few streams, do not see coming, and
	// packing, which reads B row by row, is faster unless there is just
	// one A sliver to feed.
	if kern.direct != nil && b.CS == 1 && m <= mcMax && (m <= mr || kc <= directRows || kc*b.RS <= directSpan) {
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			packA(buf.a, a, 0, pc, m, kcb, mr)
			direct(kern, m, n, kcb, pc, buf.a, buf.b, buf.tile[:mr*nr], b, c, accumulate || pc > 0)
		}
		bufPool.Put(buf)
		return
	}
	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			packB(buf.b, b, pc, jc, kcb, ncb, nr)
			// Only the first k slab may overwrite C.
			acc := accumulate || pc > 0
			for ic := 0; ic < m; ic += mc {
				mcb := min(mc, m-ic)
				packA(buf.a, a, ic, pc, mcb, kcb, mr)
				macro(kern, mcb, ncb, kcb, buf.a, buf.b, buf.tile[:mr*nr], c, ic, jc, acc)
			}
		}
	}
	bufPool.Put(buf)
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// direct multiplies the packed m×kc A block by rows p0..p0+kc of b read in
// place, for all n columns; only the ragged last sliver of B is packed (into
// pb). Full tiles of C are written by the kernel, edge tiles through tile.
func direct(kern microKernel, m, n, kc, p0 int, pa, pb, tile []float32, b, c Matrix, accum bool) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < n; jr += nr {
		cols := min(nr, n-jr)
		if cols < nr {
			packB(pb, b, p0, jr, kc, cols, nr)
			macro(kern, m, cols, kc, pa, pb, tile, c, 0, jr, accum)
			continue
		}
		bs := b.Data[b.at(p0, jr):]
		for ir := 0; ir < m; ir += mr {
			rows := min(mr, m-ir)
			as := pa[ir*kc : (ir+mr)*kc]
			if rows == mr && c.CS == 1 {
				kern.direct(kc, as, bs, b.RS, c.Data[c.at(ir, jr):], c.RS, accum)
				continue
			}
			kern.direct(kc, as, bs, b.RS, tile, nr, false)
			scatter(tile, c, ir, jr, rows, cols, nr, accum)
		}
	}
}

// scatter writes (or adds) the rows×cols corner of an nr-wide tile into C at
// (i0, j0).
func scatter(tile []float32, c Matrix, i0, j0, rows, cols, nr int, accum bool) {
	for i := 0; i < rows; i++ {
		t := tile[i*nr : i*nr+cols]
		base := c.at(i0+i, j0)
		if accum {
			for j, v := range t {
				c.Data[base+j*c.CS] += v
			}
		} else {
			for j, v := range t {
				c.Data[base+j*c.CS] = v
			}
		}
	}
}

// macro multiplies a packed mc×kc A block by a packed kc×nc B panel into
// the C block at (i0, j0). The B sliver is the outer loop so it stays in
// L1 while the A slivers stream from L2.
func macro(kern microKernel, mc, nc, kc int, pa, pb, tile []float32, c Matrix, i0, j0 int, accum bool) {
	mr, nr, fn := kern.mr, kern.nr, kern.fn
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		bs := pb[jr*kc : (jr+nr)*kc]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			as := pa[ir*kc : (ir+mr)*kc]
			if rows == mr && cols == nr && c.CS == 1 {
				off := c.at(i0+ir, j0+jr)
				fn(kc, as, bs, c.Data[off:], c.RS, accum)
				continue
			}
			// Edge tile or strided C: compute into a temporary, then scatter.
			fn(kc, as, bs, tile, nr, false)
			scatter(tile, c, i0+ir, j0+jr, rows, cols, nr, accum)
		}
	}
}

// packA copies the mc×kc block of a at (i0, p0) into dst as mr-row slivers:
// sliver s holds, for each p, the mr values a[i0+s*mr+r, p0+p] contiguously.
// Rows past mc are zero so the kernel never reads stale values.
func packA(dst []float32, a Matrix, i0, p0, mc, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[ir*kc : (ir+mr)*kc]
		switch {
		case a.CS == 1 && rows >= 8 && kc >= 8:
			// Row-major A: the sliver is the transpose of a rows×kc block.
			transposeTiles(d, mr, a.Data[a.at(i0+ir, p0):], a.RS, kc, rows)
		case a.RS == 1 && rows == mr:
			// Column-contiguous (transposed) A: each p is one short copy,
			// as an array assignment (no memmove call per six floats).
			for p := 0; p < kc; p++ {
				base := a.at(i0+ir, p0+p)
				copySliver(d[p*mr:], a.Data[base:], mr)
			}
		case a.CS == 1:
			for r := 0; r < rows; r++ {
				base := a.at(i0+ir+r, p0)
				for p, v := range a.Data[base : base+kc] {
					d[p*mr+r] = v
				}
			}
		default:
			for r := 0; r < rows; r++ {
				base := a.at(i0+ir+r, p0)
				for p := 0; p < kc; p++ {
					d[p*mr+r] = a.Data[base+p*a.CS]
				}
			}
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies the kc×nc block of b at (p0, j0) into dst as nr-column
// slivers: sliver s holds, for each p, the nr values b[p0+p, j0+s*nr+j]
// contiguously. Columns past nc are zero.
func packB(dst []float32, b Matrix, p0, j0, kc, nc, nr int) {
	full := nc / nr * nr
	if b.CS == 1 && full > 0 {
		// Row-major B: walk each row of the block from left to right,
		// into every full sliver in one spreadRow call where there is
		// one, so that B streams through memory in order however long
		// its rows are. (Go compiles copySliver's array assignments of
		// 64 and 128 bytes to memmove calls.)
		for p := 0; p < kc; p++ {
			row := b.Data[b.at(p0+p, j0):]
			if spreadRow(dst[p*nr:], nr*kc, row, nr, full/nr) {
				continue
			}
			for jr := 0; jr < full; jr += nr {
				copySliver(dst[jr*kc+p*nr:], row[jr:], nr)
			}
		}
	}
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[jr*kc : (jr+nr)*kc]
		switch {
		case b.CS == 1 && cols == nr:
			// Packed above.
		case b.RS == 1 && cols >= 8 && kc >= 8:
			// Column-major B: the sliver is the transpose of a cols×kc
			// block.
			transposeTiles(d, nr, b.Data[b.at(p0, j0+jr):], b.CS, kc, cols)
		case b.CS == 1:
			for p := 0; p < kc; p++ {
				base := b.at(p0+p, j0+jr)
				copy(d[p*nr:p*nr+cols], b.Data[base:base+cols])
			}
		case b.RS == 1:
			// Transposed B: walk each column contiguously.
			for j := 0; j < cols; j++ {
				base := b.at(p0, j0+jr+j)
				for p, v := range b.Data[base : base+kc] {
					d[p*nr+j] = v
				}
			}
		default:
			for p := 0; p < kc; p++ {
				base := b.at(p0+p, j0+jr)
				for j := 0; j < cols; j++ {
					d[p*nr+j] = b.Data[base+j*b.CS]
				}
			}
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// transposeTiles is vec.Transpose(d, ld, a, la, rows, cols) for cols ≥ 8,
// all in vec's 8×8 register tiles: when cols is not a multiple of 8 the
// last 8 columns are transposed again as one more tile column, rewriting
// the few they share with the others with the same values, instead of
// one element at a time.
func transposeTiles(d []float32, ld int, a []float32, la, rows, cols int) {
	c8 := cols &^ 7
	vec.Transpose(d, ld, a, la, rows, c8)
	if c8 < cols {
		vec.Transpose(d[cols-8:], ld, a[(cols-8)*la:], la, rows, 8)
	}
}

// copySliver copies the first n (a tile dimension) elements of src to dst
// as one array assignment, without a memmove call.
func copySliver(dst, src []float32, n int) {
	switch n {
	case 6:
		*(*[6]float32)(dst) = *(*[6]float32)(src)
	case 12:
		*(*[12]float32)(dst) = *(*[12]float32)(src)
	case 16:
		*(*[16]float32)(dst) = *(*[16]float32)(src)
	case 32:
		*(*[32]float32)(dst) = *(*[32]float32)(src)
	default:
		copy(dst[:n], src[:n])
	}
}
