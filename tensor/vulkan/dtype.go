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
