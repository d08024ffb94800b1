package vulkan

import (
	"encoding/binary"

	"github.com/vktensor/vktensor/tensor/backend"
)

// arangeHost is Arange into a dst of another dtype than float32: the host
// computes start + i*step in float64 and converts each value with
// package half's rules (what the CPU backend stores, bit for bit), uploads
// the elements into a scratch buffer of dst's dtype and copies that into
// dst. A creation op, so the host pass costs no more than the upload.
func (b *Backend) arangeHost(dst backend.Strided, start, step float64) {
	n := dst.Size()
	if b.err != nil || n == 0 {
		return
	}
	dt := dst.DType()
	size := dt.Size()
	raw := make([]byte, n*size)
	for i := 0; i < n; i++ {
		bits := elemBits(dt, start+float64(float64(i)*step))
		if size == 2 {
			binary.NativeEndian.PutUint16(raw[2*i:], uint16(bits))
		} else {
			binary.NativeEndian.PutUint32(raw[4*i:], bits)
		}
	}
	tmp, err := b.allocOf(dt, n)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(tmp)
	if err := b.dev.Upload(gbuf(tmp), 0, raw); err != nil {
		b.fail(err)
		return
	}
	b.copy(dst, backend.Strided{Buf: tmp, Shape: dst.Shape, Strides: rowMajor(dst.Shape)})
}

// widen16 runs an op whose float operands may be 16-bit through its
// float32 kernels, as the CPU backend's widen16 does: each 16-bit operand
// of ops is replaced by a dense float32 scratch copy (exact), the op runs
// on the copies, and the copies of the destinations (the first nDst of
// ops) are rounded back into them once: the float32 op on the widened
// inputs, rounded, as the backend contract asks. Destinations are widened
// too, for the ops that add into them. It reports false, doing nothing,
// when no operand is 16-bit. Operands with a nil buffer are passed on.
func (b *Backend) widen16(ops []backend.Strided, nDst int, run func(ops []backend.Strided)) bool {
	any16 := false
	for _, s := range ops {
		any16 = any16 || s.Buf != nil && is16(s.DType())
	}
	if !any16 {
		return false
	}
	if b.err != nil || b.cur.failed {
		return true
	}
	w := make([]backend.Strided, len(ops))
	var tmps []backend.Buffer
	defer func() {
		for _, t := range tmps {
			b.free(t)
		}
	}()
	for i, s := range ops {
		if s.Buf == nil || !is16(s.DType()) {
			w[i] = s
			continue
		}
		t, err := b.alloc(s.Size())
		if err != nil {
			b.fail(err)
			return true
		}
		tmps = append(tmps, t)
		w[i] = backend.Strided{Buf: t, Shape: s.Shape, Strides: rowMajor(s.Shape)}
		b.copy(w[i], s)
	}
	run(w)
	for i := 0; i < nDst; i++ {
		if ops[i].Buf != nil && is16(ops[i].DType()) {
			b.copy(ops[i], w[i])
		}
	}
	return true
}
