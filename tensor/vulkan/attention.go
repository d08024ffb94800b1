package vulkan

import (
	"fmt"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Fused attention (backend.Attentioner): shaders/attention.comp, one
// dispatch for the forward pass (output and logsumexp) and two for the
// backward (dq by query blocks, dk and dv by key blocks: no atomics, each
// gradient element written once). The head sizes are specialization
// constants: each (D, Dv) pair is a pipeline of its own, its q row and
// accumulators in registers, for D and Dv up to attMaxD. The K and V (or
// q and dout) rows are staged in shared memory attTile rows at a time.

var _ backend.Attentioner = (*Backend)(nil)

// attentionPC is attention.comp's block (every mode).
type attentionPC struct {
	T, S, N2, NH             uint32
	Scale                    float32
	Flags                    uint32 // MODE 2: bit 0 dk, bit 1 dv
	OffQ, SQ0, SQ1, SQr, SQc uint32
	OffK, SK0, SK1, SKr, SKc uint32
	OffV, SV0, SV1, SVr, SVc uint32
	OffG, SG0, SG1, SGr, SGc uint32 // dout
	OffO, OffL, OffA, OffB   uint32
}

// attentionSpec specializes attention.comp.
type attentionSpec struct {
	Workgroup uint32 // rows per block, an invocation each
	Mode      uint32 // 0 forward, 1 dq, 2 dk and dv
	D, DV     uint32
	BC        uint32 // rows per staged tile
	DType     uint32
	Causal    uint32
}

func init() {
	kernelABIs["attention"] = kernelABI{attentionPC{}, attentionSpec{}}
	kernelABIs["attention16"] = kernelABI{attentionPC{}, attentionSpec{}}
}

const (
	// attMaxD is the largest head size the kernels take: a row of q and
	// the accumulators live in registers.
	attMaxD = 128
	// attGroup is the rows of a block, one invocation each.
	attGroup = 64
	// attMaxShared caps the kernels' shared memory: 48 KiB, what a
	// workgroup gets on NVIDIA GPUs without opting in to more.
	attMaxShared = 48 << 10
)

// attTileMax is the most rows of a staged tile; a variable so that tests
// can make the tiles small.
var attTileMax = 64

// HasAttention accepts the float dtypes with head sizes up to attMaxD.
func (b *Backend) HasAttention(dt backend.DType, d, dv int) bool {
	return dt.IsFloat() && d >= 1 && dv >= 1 && d <= attMaxD && dv <= attMaxD
}

// attTile is the rows of a staged tile for head sizes d and dv: the
// largest power of two up to 64 whose tiles (BC·(d+dv) floats, plus two
// per row in MODE 2) fit the device's shared memory and attMaxShared.
func (b *Backend) attTile(d, dv int) int {
	limit := attMaxShared
	if l := int(b.info.MaxComputeSharedMemorySize); l > 0 {
		limit = min(limit, l)
	}
	bc := attTileMax
	for bc > 1 && bc*(d+dv+2)*4 > limit {
		bc /= 2
	}
	return bc
}

// attentionSetup checks the operands and fills the push constants of
// the strided sources; it reports false after failing the op.
func (b *Backend) attentionSetup(pc *attentionPC, q, k, v, dout backend.Strided, dsts []backend.Strided, all ...backend.Strided) bool {
	n1, n2, t, d := q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3]
	s, dv := k.Shape[2], v.Shape[3]
	for _, x := range dsts {
		if x.Buf != nil && !x.Contiguous() {
			b.fail(fmt.Errorf("vulkan: attention: a destination of shape %v is not contiguous: %w", x.Shape, gpu.ErrInvalid))
			return false
		}
	}
	if !b.HasAttention(q.DType(), d, dv) {
		b.fail(fmt.Errorf("vulkan: attention of %s with head sizes %d and %d (at most %d): %w", q.DType(), d, dv, attMaxD, gpu.ErrInvalid))
		return false
	}
	nh := n1 * n2
	if !within(all...) || nh*max(ceilDiv(t, attGroup), ceilDiv(s, attGroup)) > maxElems/attGroup {
		b.fail(fmt.Errorf("vulkan: attention of %d heads of %d×%d: %w", nh, t, s, errTooLarge))
		return false
	}
	*pc = attentionPC{T: uint32(t), S: uint32(s), N2: uint32(n2), NH: uint32(nh)}
	set := func(x backend.Strided, off, s0, s1, sr, sc *uint32) {
		if x.Buf == nil {
			return
		}
		*off, *s0, *s1, *sr, *sc = uint32(x.Offset), uint32(x.Strides[0]), uint32(x.Strides[1]), uint32(x.Strides[2]), uint32(x.Strides[3])
	}
	set(q, &pc.OffQ, &pc.SQ0, &pc.SQ1, &pc.SQr, &pc.SQc)
	set(k, &pc.OffK, &pc.SK0, &pc.SK1, &pc.SKr, &pc.SKc)
	set(v, &pc.OffV, &pc.SV0, &pc.SV1, &pc.SVr, &pc.SVc)
	set(dout, &pc.OffG, &pc.SG0, &pc.SG1, &pc.SGr, &pc.SGc)
	return true
}

// attentionPipe returns the pipeline of mode for q's dtype and head sizes.
func (b *Backend) attentionPipe(mode uint32, q, v backend.Strided, causal bool) (*gpu.Pipeline, string) {
	d, dv := q.Shape[3], v.Shape[3]
	kernel, dt := "attention", uint32(0)
	if is16(q.DType()) {
		kernel, dt = "attention16", uint32(q.DType())
	}
	spec := attentionSpec{Workgroup: attGroup, Mode: mode, D: uint32(d), DV: uint32(dv), BC: uint32(b.attTile(d, dv)), DType: dt}
	if causal {
		spec.Causal = 1
	}
	return b.pipeline(kernel, 8, specWords(&spec)), kernel
}

// Attention writes out and lse in one dispatch.
func (b *Backend) Attention(dst, lse, q, k, v backend.Strided, causal bool, scale float32) {
	defer b.exit()
	if !b.enter("Attention", 2, dst, lse, q, k, v) || b.err != nil {
		return
	}
	var pc attentionPC
	if !b.attentionSetup(&pc, q, k, v, backend.Strided{}, []backend.Strided{dst, lse}, dst, lse, q, k, v) {
		return
	}
	pc.Scale, pc.OffA, pc.OffL = scale, uint32(dst.Offset), uint32(lse.Offset)
	pipe, kernel := b.attentionPipe(0, q, v, causal)
	groups := int(pc.NH) * ceilDiv(int(pc.T), attGroup)
	b.dispatch(pipe, kernel, pushBytes(&pc), b.grid(groups*attGroup, attGroup),
		out(dst), out(dst), inout(lse), in(q), in(k), in(v), in(q), in(q))
}

// AttentionGrad runs the dq pass and the dk, dv pass.
func (b *Backend) AttentionGrad(dq, dk, dv, q, k, v, o, dout, lse backend.Strided, causal bool, scale float32) {
	defer b.exit()
	if !b.enter("AttentionGrad", 3, dq, dk, dv, q, k, v, o, dout, lse) || b.err != nil {
		return
	}
	var pc attentionPC
	if !b.attentionSetup(&pc, q, k, v, dout, []backend.Strided{dq, dk, dv, o, lse}, dq, dk, dv, q, k, v, o, dout, lse) {
		return
	}
	pc.Scale, pc.OffO, pc.OffL = scale, uint32(o.Offset), uint32(lse.Offset)
	srcs := []gpu.BufferRange{in(lse), in(q), in(k), in(v), in(o), in(dout)}
	if dq.Buf != nil {
		pc.OffA = uint32(dq.Offset)
		pipe, kernel := b.attentionPipe(1, q, v, causal)
		groups := int(pc.NH) * ceilDiv(int(pc.T), attGroup)
		b.dispatch(pipe, kernel, pushBytes(&pc), b.grid(groups*attGroup, attGroup),
			append([]gpu.BufferRange{out(dq), out(dq)}, srcs...)...)
	}
	if dk.Buf == nil && dv.Buf == nil {
		return
	}
	// An absent destination's binding takes the other one (not written).
	ra, rb := gpu.BufferRange{}, gpu.BufferRange{}
	if dk.Buf != nil {
		pc.Flags |= 1
		pc.OffA, ra = uint32(dk.Offset), out(dk)
	}
	if dv.Buf != nil {
		pc.Flags |= 2
		pc.OffB, rb = uint32(dv.Offset), out(dv)
	}
	if dk.Buf == nil {
		ra = rb
	}
	if dv.Buf == nil {
		rb = ra
	}
	pipe, kernel := b.attentionPipe(2, q, v, causal)
	groups := int(pc.NH) * ceilDiv(int(pc.S), attGroup)
	b.dispatch(pipe, kernel, pushBytes(&pc), b.grid(groups*attGroup, attGroup),
		append([]gpu.BufferRange{ra, rb}, srcs...)...)
}
