package vulkan

import (
	"math"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

const rowGroup = 256 // workgroup size of reduce and softmax (power of two)

// Reduce reduces the trailing axes of src into dst. Long rows get a
// workgroup each (subgroup arithmetic where the device has it, for the
// non-arg ops); short rows, and rows whose elements are far apart while
// neighbouring rows are adjacent (a reduction over a leading axis seen
// through a transposed view), get one invocation each so that loads
// coalesce across rows.
func (b *Backend) Reduce(op backend.ReduceOp, dst, src backend.Strided) {
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
		b.Fill(dst, v)
		return
	}
	inner := plan(inShape, []backend.Strided{{Strides: src.Strides[nd:]}}, false, -1)
	if len(inner) != 1 {
		// more than 4 non-mergeable reduced axes: make them dense first
		tmp, err := b.Alloc(src.Size())
		if err != nil {
			b.fail(err)
			return
		}
		c := backend.Strided{Buf: tmp, Shape: src.Shape, Strides: rowMajor(src.Shape)}
		b.Copy(c, src)
		b.Reduce(op, dst, c)
		b.Free(tmp)
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
		pipe := b.pipeline(kernel, 2, 96, rowGroup, uint32(op), mode)
		w := make([]uint32, 24)
		for d := 0; d < maxRank; d++ {
			w[d] = uint32(p.shape[d])
			w[4+d] = uint32(p.st[1][d])
			w[8+d] = uint32(p.st[0][d])
			w[12+d] = uint32(ip.shape[d])
			w[16+d] = uint32(ip.st[0][d])
		}
		w[20], w[21], w[22], w[23] = uint32(p.off[1]), uint32(p.off[0]), uint32(p.n), uint32(nIn)
		items := p.n
		if mode == 1 {
			items *= rowGroup
		}
		b.dispatch(pipe, kernel, w, b.grid(items, rowGroup), out(dst), in(src))
	}
}

// Softmax computes softmax or log-softmax along the last axis; see
// shaders/softmax.comp.
func (b *Backend) Softmax(dst, src backend.Strided, log bool) {
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
		pipe := b.pipeline("softmax", 2, 72, rowGroup, mode, lg)
		w := make([]uint32, 18)
		for d := 0; d < maxRank; d++ {
			w[d] = uint32(p.shape[d])
			w[4+d] = uint32(p.st[1][d])
			w[8+d] = uint32(p.st[0][d])
		}
		w[12], w[13], w[14], w[15], w[16], w[17] = uint32(p.off[1]), uint32(p.off[0]), uint32(L), uint32(sst), uint32(dstr), uint32(p.n)
		items := p.n
		if mode == 1 {
			items *= rowGroup
		}
		b.dispatch(pipe, "softmax", w, b.grid(items, rowGroup), gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src))
	}
}
