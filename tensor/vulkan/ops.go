package vulkan

import (
	"math"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/half"
)

// Elementwise kernels (see shaders/strided.glsl, stridedPC): workgroups of
// ewGroup invocations.
const (
	ewGroup = 256
	opCopy  = 255 // unary.comp's OP for a plain copy
)

// ewUnroll is the number of vec4s per invocation of the vec4 layouts for
// operands of at least ewUnrollMin vec4s.
var (
	ewUnroll    = 2
	ewUnrollMin = 1 << 20
)

// ewCall describes one elementwise launch: a kernel, its OP, the
// destination (binding 0) and sources (bindings 1..), scalar parameters and
// kernel-specific extras p0..p3 (p4 is the row-major base, set per part).
type ewCall struct {
	kernel      string
	op          uint32
	dst         backend.Strided
	srcs        []backend.Strided
	alpha, beta float32
	extra       [4]uint32
	permute     bool            // iteration order does not matter
	keep        int             // axis kept innermost (gather/scatter), or -1
	vec         bool            // kernel has a vec4 layout
	dstAccess   gpu.Access      // Write, or ReadWrite when the kernel reads dst
	shape       []int           // iteration shape; nil means dst.Shape
	check       gpu.BufferRange // index check slot, bound after the sources (Buffer nil: none)
	dt, st      backend.DType   // DTYPE and STYPE (strided.glsl); Float32 when not set
}

// is16 reports whether dt is a 16-bit float type.
func is16(dt backend.DType) bool { return dt == backend.Float16 || dt == backend.BFloat16 }

func (b *Backend) elementwise(c ewCall) {
	if b.err != nil {
		return
	}
	ops := append([]backend.Strided{c.dst}, c.srcs...)
	shape := c.shape
	if shape == nil {
		shape = c.dst.Shape
	}
	parts := plan(shape, ops, c.permute, c.keep)
	if len(parts) == 0 {
		return
	}
	// the vec4 layouts, rows and tiles are float32 only; 16-bit operands
	// take the kernel's 16-bit build
	f32 := c.dt == backend.Float32 && c.st == backend.Float32
	kernel := c.kernel
	if is16(c.dt) || is16(c.st) {
		kernel += "16"
	}
	bufs := make([]gpu.BufferRange, len(ops), len(ops)+1)
	bufs[0] = gbuf(c.dst.Buf).Range(0, 0, c.dstAccess)
	for k, s := range c.srcs {
		bufs[k+1] = in(s)
	}
	if c.check.Buffer != nil {
		bufs = append(bufs, c.check)
	}
	for i := range parts {
		p := &parts[i]
		if !p.fits32(len(ops)) {
			b.fail(errTooLarge)
			return
		}
		lay := p.layout(len(ops), c.vec && f32)
		switch {
		case !f32 && lay == 1 && c.vec && is16(c.dt) && is16(c.st) && p.evenOffsets(len(ops)):
			lay = 2 // pairs of 16-bit elements
		case !f32:
		case lay == 0 && c.kernel == "binary" && p.rows4(len(ops)):
			lay = 3
		case lay == 0 && c.kernel == "unary" && p.tiled():
			lay = 4
		}
		items := p.n
		unroll := 1
		switch {
		case lay == 2 && !f32:
			items = (p.n + 1) / 2
		case lay == 2, lay == 3:
			// several vec4s per invocation on large operands
			if v := (p.n + 3) / 4; v >= ewUnrollMin {
				unroll = max(1, ewUnroll)
			}
			items = ((p.n+3)/4 + unroll - 1) / unroll
		case lay == 4:
			items = p.shape[1] * ((p.shape[2] + 31) / 32) * ((p.shape[3] + 31) / 32) * ewGroup
		}
		spec := stridedSpec{Workgroup: ewGroup, Layout: lay, Op: c.op, Unroll: uint32(unroll), DType: uint32(c.dt), SType: uint32(c.st)}
		pipe := b.pipeline(kernel, len(bufs), specWords(&spec))
		pc := stridedPC{N: uint32(p.n), Alpha: c.alpha, Beta: c.beta,
			P0: c.extra[0], P1: c.extra[1], P2: c.extra[2], P3: c.extra[3], P4: uint32(p.base)}
		st := [...]*[4]uint32{&pc.St0, &pc.St1, &pc.St2, &pc.St3}
		for d := 0; d < maxRank; d++ {
			pc.Shape[d] = uint32(p.shape[d])
			for k := range ops {
				st[k][d] = uint32(p.st[k][d])
			}
		}
		for k := range ops {
			pc.Off[k] = uint32(p.off[k])
		}
		b.dispatch(pipe, kernel, pushBytes(&pc), b.grid(items, ewGroup), bufs...)
	}
}

// Fill sets every element of dst to v, converted to dst's dtype on the
// host (package half's rules); dense 32-bit destinations use the transfer
// engine's fill, the others gen.comp, which stores the converted bits.
func (b *Backend) Fill(dst backend.Strided, v float64) {
	defer b.exit()
	if b.enter("Fill", 1, dst) {
		b.fill(dst, v)
	}
}

// elemBits returns v converted to dt, as the bits of one element.
func elemBits(dt backend.DType, v float64) uint32 {
	switch dt {
	case backend.Float16:
		return uint32(half.F16From64(v))
	case backend.BFloat16:
		return uint32(half.BF16From64(v))
	case backend.Int32:
		return uint32(half.Int32(v))
	}
	return f32bits(float32(v))
}

func (b *Backend) fill(dst backend.Strided, v float64) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	dt := dst.DType()
	bits := elemBits(dt, v)
	if dst.Contiguous() && dt.Size() == 4 {
		if err := b.dev.FillBuffer(gbuf(dst.Buf).Range(dst.Offset*4, dst.Size()*4, gpu.Write), bits); err != nil {
			b.fail(err)
		}
		return
	}
	b.elementwise(ewCall{kernel: "gen", op: 0, dst: dst, alpha: math.Float32frombits(bits), extra: [4]uint32{bits},
		permute: true, keep: -1, dstAccess: gpu.Write, dt: dt})
}

// Copy copies src into dst; dense to dense is a buffer copy.
func (b *Backend) Copy(dst, src backend.Strided) {
	defer b.exit()
	if b.enter("Copy", 1, dst, src) {
		b.copy(dst, src)
	}
}

func (b *Backend) copy(dst, src backend.Strided) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	if dst.Buf == src.Buf && dst.Offset == src.Offset && equalInts(dst.Strides, src.Strides) {
		return
	}
	dt, st := dst.DType(), src.DType()
	if dt == st && dst.Contiguous() && src.Contiguous() {
		size := dt.Size()
		n := dst.Size() * size
		err := b.dev.CopyBuffer(gbuf(dst.Buf).Range(dst.Offset*size, n, gpu.Write), gbuf(src.Buf).Range(src.Offset*size, n, gpu.Read))
		b.fail(err)
		return
	}
	b.elementwise(ewCall{kernel: "unary", op: opCopy, dst: dst, srcs: []backend.Strided{src}, permute: true, keep: -1, vec: true,
		dstAccess: gpu.Write, dt: dt, st: st})
}

// Arange sets element i (row-major) of dst to start + i*step, evaluated
// exactly as in float64 on the device (see arangeCall).
func (b *Backend) Arange(dst backend.Strided, start, step float64) {
	defer b.exit()
	if b.enter("Arange", 1, dst) {
		b.arange(dst, start, step)
	}
}

func (b *Backend) arange(dst backend.Strided, start, step float64) {
	if dst.DType() == backend.Float32 {
		b.elementwise(arangeCall(dst, start, step))
		return
	}
	b.arangeHost(dst, start, step)
}

// Random fills dst from the Philox4x32-10 stream of tensor/internal/philox.
func (b *Backend) Random(dst backend.Strided, dist backend.Dist, seed, stream uint64, a, bb float32) {
	defer b.exit()
	if !b.enter("Random", 1, dst) {
		return
	}
	op := uint32(2)
	if dist == backend.Normal {
		op = 3
	}
	if dst.Size() > maxElems {
		b.fail(errTooLarge)
		return
	}
	b.elementwise(ewCall{kernel: "gen", op: op, dst: dst, alpha: a, beta: bb,
		extra: [4]uint32{uint32(seed), uint32(seed >> 32), uint32(stream), uint32(stream >> 32)},
		keep:  -1, dstAccess: gpu.Write, dt: dst.DType()})
}

// Unary sets dst = op(src). For Int32 operands alpha and beta travel as
// int32 bits in the float32 push constants.
func (b *Backend) Unary(op backend.UnaryOp, dst, src backend.Strided, alpha64, beta64 float64) {
	alpha, beta := float32(alpha64), float32(beta64)
	if dst.DType() == backend.Int32 {
		alpha = math.Float32frombits(uint32(half.Int32(alpha64)))
		beta = math.Float32frombits(uint32(half.Int32(beta64)))
	}
	defer b.exit()
	if b.enter("Unary", 1, dst, src) {
		b.unary(op, dst, src, alpha, beta)
	}
}

func (b *Backend) unary(op backend.UnaryOp, dst, src backend.Strided, alpha, beta float32) {
	dt := dst.DType()
	b.elementwise(ewCall{kernel: "unary", op: uint32(op), dst: dst, srcs: []backend.Strided{src},
		alpha: alpha, beta: beta, permute: true, keep: -1, vec: true, dstAccess: gpu.Write, dt: dt, st: dt})
}

// Binary sets dst = op(a, b).
func (b *Backend) Binary(op backend.BinaryOp, dst, x, y backend.Strided) {
	defer b.exit()
	if b.enter("Binary", 1, dst, x, y) {
		b.binary(op, dst, x, y)
	}
}

func (b *Backend) binary(op backend.BinaryOp, dst, x, y backend.Strided) {
	dt := dst.DType()
	b.elementwise(ewCall{kernel: "binary", op: uint32(op), dst: dst, srcs: []backend.Strided{x, y},
		permute: true, keep: -1, vec: true, dstAccess: gpu.Write, dt: dt, st: dt})
}

// Where sets dst = x where cond != 0, else y.
func (b *Backend) Where(dst, cond, x, y backend.Strided) {
	defer b.exit()
	if b.enter("Where", 1, dst, cond, x, y) {
		b.where(dst, cond, x, y)
	}
}

func (b *Backend) where(dst, cond, x, y backend.Strided) {
	b.elementwise(ewCall{kernel: "where", dst: dst, srcs: []backend.Strided{cond, x, y},
		permute: true, keep: -1, dstAccess: gpu.Write, dt: dst.DType(), st: cond.DType()})
}

// Gather sets dst[..., i, ...] = src[..., idx[..., i, ...], ...] along axis,
// a negative index counting from the end. The kernel checks every index
// (see check.go).
func (b *Backend) Gather(dst, src, idx backend.Strided, axis int) {
	defer b.exit()
	if !b.enter("Gather", 1, dst, src, idx) || dst.Size() == 0 {
		return
	}
	chk, ok := b.newCheck(axis, src.Shape[axis])
	if !ok {
		return
	}
	s := src
	s.Strides = append([]int(nil), src.Strides...)
	s.Strides[axis] = 0
	s.Shape = dst.Shape
	b.elementwise(ewCall{kernel: "gather", dst: dst, srcs: []backend.Strided{s, idx},
		extra: [4]uint32{uint32(src.Strides[axis]), uint32(src.Shape[axis])}, permute: true, keep: axis,
		dstAccess: gpu.Write, check: chk, dt: dst.DType(), st: idx.DType()})
}

// ScatterAdd adds src[..., i, ...] into dst[..., idx[..., i, ...], ...]
// along axis, deterministically: each destination element sums its matching
// sources in order (shaders/scatter.comp), which costs dst elements × axis
// length but needs no float atomics. The kernel checks every index (a bad
// one's source is dropped, see check.go).
func (b *Backend) ScatterAdd(dst, src, idx backend.Strided, axis int) {
	defer b.exit()
	if !b.enter("ScatterAdd", 1, dst, src, idx) || src.Size() == 0 || dst.Size() == 0 {
		return
	}
	chk, ok := b.newCheck(axis, dst.Shape[axis])
	if !ok {
		return
	}
	s, x := src, idx
	s.Strides = append([]int(nil), src.Strides...)
	x.Strides = append([]int(nil), idx.Strides...)
	s.Strides[axis], x.Strides[axis] = 0, 0
	s.Shape, x.Shape = dst.Shape, dst.Shape
	b.elementwise(ewCall{kernel: "scatter", op: 1, dst: dst, srcs: []backend.Strided{s, x},
		extra:   [4]uint32{0, uint32(src.Shape[axis]), uint32(src.Strides[axis]), uint32(idx.Strides[axis])},
		permute: true, keep: axis, dstAccess: gpu.ReadWrite, check: chk, dt: dst.DType(), st: idx.DType()})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
