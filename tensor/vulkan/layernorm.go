package vulkan

import (
	"fmt"
	"math/bits"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Fused layer normalization (backend.LayerNormer): shaders/layernorm.comp
// normalizes each row in one dispatch and saves its mean and rstd;
// shaders/layernorm_grad.comp computes dx and block partials of dgamma and
// dbeta in one dispatch and adds the partials, block by block, in a
// second. Operands may have any strides. A row is shared by a power of two
// of lanes, up to a workgroup; the sums over lanes are trees in shared
// memory, so the results are the same bits on every run.

var _ backend.LayerNormer = (*Backend)(nil)

// layerNormPC is layernorm.comp's block.
type layerNormPC struct {
	Rows, C            uint32
	OffX, SXr, SXc     uint32
	OffD, SDr, SDc     uint32
	OffM, SM, OffS, SS uint32
	OffG, SG, OffB, SB uint32
	Eps                float32
	Flags              uint32 // bit 0 gamma, bit 1 beta
}

// layerNormGradPC is layernorm_grad.comp's block (both modes).
type layerNormGradPC struct {
	Rows, C                uint32
	OffX, SXr, SXc         uint32
	OffG, SGr, SGc         uint32
	OffDx, SDxr, SDxc      uint32
	OffM, SM, OffS, SS     uint32
	OffGm, SGm             uint32
	OffDg, SDg, OffDb, SDb uint32
	RowGroups              uint32 // MODE 0: workgroups computing dx
	Rb, Nblk               uint32 // rows per block and blocks of the column sums
	Flags                  uint32 // bit 0 gamma, bit 1 dx, bit 2 dgamma, bit 3 dbeta
}

// layerNormSpec specializes layernorm.comp.
type layerNormSpec struct {
	Workgroup uint32
	Lanes     uint32 // invocations per row
	Chunk     uint32 // iterations of an inner loop per entry (lnChunk)
}

// layerNormGradSpec specializes layernorm_grad.comp.
type layerNormGradSpec struct {
	Workgroup uint32
	Lanes     uint32
	Mode      uint32 // 0 dx and partials, 1 the sum of the partials
	Chunk     uint32
}

// lnChunk bounds the iterations of the kernels' inner loops per entry
// (lavapipe stops a loop after 65535); longer rows take an outer loop. A
// variable so that tests can make it small.
var lnChunk uint32 = 32768

func init() {
	kernelABIs["layernorm"] = kernelABI{layerNormPC{}, layerNormSpec{}}
	kernelABIs["layernorm_grad"] = kernelABI{layerNormGradPC{}, layerNormGradSpec{}}
}

const (
	lnGroup     = 256     // workgroup size of both kernels
	lnMaxBlks   = 1024    // row blocks of the column sums, at most
	lnMinRows   = 32      // rows per block, at least (below that, fewer blocks)
	lnPartCap   = 1 << 23 // partial sums held at most (elements), unless C alone exceeds it
	lnCPUGroups = 8       // workgroups a CPU device should get at least
)

// lnForceLanes, when not 0, overrides lnLanes, for tests and measurements.
var lnForceLanes int

// lnLanes is the number of invocations sharing a row of c elements (of
// rows rows): on a GPU about 8 elements per lane, a power of two up to a
// workgroup, so that rows of a transformer's width take a fraction of a
// workgroup and long rows a whole one. On a CPU device (lavapipe), which
// runs a workgroup on one thread with its invocations in SIMD lanes and
// pays for every barrier, one lane per row is fastest (at [512 384] about
// half the time of 64 lanes, a sixth of 256), as long as the rows still give the
// device's threads workgroups enough (lnCPUGroups); fewer rows get more
// lanes each.
func (b *Backend) lnLanes(rows, c int) int {
	if lnForceLanes > 0 {
		return lnForceLanes
	}
	gpuLanes := min(lnGroup, 1<<bits.Len(uint(max(c-1, 0)/8)))
	if b.info.Type != gpu.DeviceCPU {
		return gpuLanes
	}
	lanes := 1
	for lanes < gpuLanes && ceilDiv(rows, lnGroup/lanes) < lnCPUGroups {
		lanes *= 2
	}
	return lanes
}

// LayerNorm normalizes the rows of x into dst, saving mean and rstd.
func (b *Backend) LayerNorm(dst, mean, rstd, x, gamma, beta backend.Strided, eps float32) {
	defer b.exit()
	if !b.enter("LayerNorm", 3, dst, mean, rstd, x, gamma, beta) || b.err != nil {
		return
	}
	rows, c := x.Shape[0], x.Shape[1]
	lanes := b.lnLanes(rows, c)
	groups := ceilDiv(rows, lnGroup/lanes)
	if !within(dst, mean, rstd, x, gamma, beta) || groups > maxElems/lnGroup || !lnLoopsFit(rows, c, lanes) {
		b.fail(fmt.Errorf("vulkan: LayerNorm of %d rows of %d: %w", rows, c, errTooLarge))
		return
	}
	pc := layerNormPC{Rows: uint32(rows), C: uint32(c),
		OffX: uint32(x.Offset), SXr: uint32(x.Strides[0]), SXc: uint32(x.Strides[1]),
		OffD: uint32(dst.Offset), SDr: uint32(dst.Strides[0]), SDc: uint32(dst.Strides[1]),
		OffM: uint32(mean.Offset), SM: uint32(mean.Strides[0]), OffS: uint32(rstd.Offset), SS: uint32(rstd.Strides[0]),
		Eps: eps}
	gr, br := in(x), in(x) // bound but unread when absent
	if gamma.Buf != nil {
		pc.Flags |= 1
		pc.OffG, pc.SG, gr = uint32(gamma.Offset), uint32(gamma.Strides[0]), in(gamma)
	}
	if beta.Buf != nil {
		pc.Flags |= 2
		pc.OffB, pc.SB, br = uint32(beta.Offset), uint32(beta.Strides[0]), in(beta)
	}
	pipe := b.pipeline("layernorm", 6, specWords(&layerNormSpec{Workgroup: lnGroup, Lanes: uint32(lanes), Chunk: lnChunk}))
	b.dispatch(pipe, "layernorm", pushBytes(&pc), b.grid(groups*lnGroup, lnGroup),
		out(dst), out(mean), out(rstd), in(x), gr, br)
}

// lnLoopsFit reports whether the kernels' loop bounds (an index plus a
// chunk of the row, or of the rows) stay 32-bit.
func lnLoopsFit(rows, c, lanes int) bool {
	return c+int(lnChunk)*lanes <= maxElems && rows+int(lnChunk) <= maxElems
}

// lnBlocks splits rows into the row blocks of the column sums of a row
// length c: rows per block and blocks.
func lnBlocks(rows, c int) (rb, nblk int) {
	nblk = min(lnMaxBlks, max(1, rows/lnMinRows), max(1, lnPartCap/(2*c)))
	rb = ceilDiv(rows, nblk)
	return rb, ceilDiv(rows, rb)
}

// LayerNormGrad computes dx and the column sums dgamma and dbeta.
func (b *Backend) LayerNormGrad(dx, dgamma, dbeta, g, x, mean, rstd, gamma backend.Strided) {
	defer b.exit()
	if !b.enter("LayerNormGrad", 3, dx, dgamma, dbeta, g, x, mean, rstd, gamma) || b.err != nil {
		return
	}
	rows, c := x.Shape[0], x.Shape[1]
	wantDx, wantCols := dx.Buf != nil, dgamma.Buf != nil || dbeta.Buf != nil
	if !wantDx && !wantCols {
		return
	}
	lanes := b.lnLanes(rows, c)
	rb, nblk := lnBlocks(rows, c)
	rowGroups, colGroups := 0, 0
	if wantDx {
		rowGroups = ceilDiv(rows, lnGroup/lanes)
	}
	if wantCols {
		colGroups = ceilDiv(nblk*c, lnGroup)
	}
	if !within(dx, dgamma, dbeta, g, x, mean, rstd, gamma) || 2*nblk*c > maxElems ||
		rowGroups+colGroups > maxElems/lnGroup || !lnLoopsFit(rows, c, lanes) {
		b.fail(fmt.Errorf("vulkan: LayerNormGrad of %d rows of %d: %w", rows, c, errTooLarge))
		return
	}
	pc := layerNormGradPC{Rows: uint32(rows), C: uint32(c),
		OffX: uint32(x.Offset), SXr: uint32(x.Strides[0]), SXc: uint32(x.Strides[1]),
		OffG: uint32(g.Offset), SGr: uint32(g.Strides[0]), SGc: uint32(g.Strides[1]),
		OffM: uint32(mean.Offset), SM: uint32(mean.Strides[0]), OffS: uint32(rstd.Offset), SS: uint32(rstd.Strides[0]),
		RowGroups: uint32(rowGroups), Rb: uint32(rb), Nblk: uint32(nblk)}
	gmr := in(x)
	if gamma.Buf != nil {
		pc.Flags |= 1
		pc.OffGm, pc.SGm, gmr = uint32(gamma.Offset), uint32(gamma.Strides[0]), in(gamma)
	}
	var part *gpu.Buffer
	if wantCols {
		p, err := b.alloc(2 * nblk * c)
		if err != nil {
			b.fail(err)
			return
		}
		defer b.free(p) // its memory is reused only once the work is done
		part = gbuf(p)
	}
	// Unused writable bindings take a buffer the op writes anyway.
	dxr := gpu.BufferRange{}
	if wantDx {
		pc.Flags |= 2
		pc.OffDx, pc.SDxr, pc.SDxc = uint32(dx.Offset), uint32(dx.Strides[0]), uint32(dx.Strides[1])
		dxr = out(dx)
	}
	pr := dxr
	if part != nil {
		pr = part.InOut()
		if !wantDx {
			dxr = part.Out()
		}
	}
	pipe := b.pipeline("layernorm_grad", 9, specWords(&layerNormGradSpec{Workgroup: lnGroup, Lanes: uint32(lanes), Chunk: lnChunk}))
	b.dispatch(pipe, "layernorm_grad", pushBytes(&pc), b.grid((rowGroups+colGroups)*lnGroup, lnGroup),
		dxr, pr, in(g), in(x), in(mean), in(rstd), gmr, pr, pr)
	if !wantCols {
		return
	}
	dgr, dbr := part.Out(), part.Out()
	if dgamma.Buf != nil {
		pc.Flags |= 4
		pc.OffDg, pc.SDg, dgr = uint32(dgamma.Offset), uint32(dgamma.Strides[0]), out(dgamma)
	}
	if dbeta.Buf != nil {
		pc.Flags |= 8
		pc.OffDb, pc.SDb, dbr = uint32(dbeta.Offset), uint32(dbeta.Strides[0]), out(dbeta)
	}
	pin := part.In()
	pipe = b.pipeline("layernorm_grad", 9, specWords(&layerNormGradSpec{Workgroup: lnGroup, Lanes: 1, Mode: 1, Chunk: lnChunk}))
	b.dispatch(pipe, "layernorm_grad", pushBytes(&pc), b.grid(c, lnGroup),
		dxr, pin, pin, pin, pin, pin, pin, dgr, dbr)
}
