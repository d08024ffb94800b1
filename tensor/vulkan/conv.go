package vulkan

import (
	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

const convGroup = 256

// Im2Col copies k×k patches of src into dst (shaders/conv.comp, mode 0).
func (b *Backend) Im2Col(dst, src backend.Strided, k, stride, pad int) {
	defer b.exit()
	if !b.enter("Im2Col", 1, dst, src) {
		return
	}
	b.conv(0, dst, src, src.Shape, dst.Shape[3], dst.Shape[4], k, stride, pad)
}

// Col2Im sums patch entries back onto pixels (shaders/conv.comp, mode 1).
func (b *Backend) Col2Im(dst, src backend.Strided, k, stride, pad int) {
	defer b.exit()
	if !b.enter("Col2Im", 1, dst, src) {
		return
	}
	b.conv(1, dst, src, dst.Shape, src.Shape[3], src.Shape[4], k, stride, pad)
}

func (b *Backend) conv(mode uint32, dst, src backend.Strided, img []int, ho, wo, k, stride, pad int) {
	total := dst.Size()
	if b.err != nil || total == 0 {
		return
	}
	if total >= 1<<32 || src.Size() >= 1<<32 {
		b.fail(errTooLarge)
		return
	}
	pc := convPC{N: uint32(img[0]), C: uint32(img[1]), H: uint32(img[2]), W: uint32(img[3]),
		Ho: uint32(ho), Wo: uint32(wo), K: uint32(k), Stride: uint32(stride), Pad: uint32(pad), Total: uint32(total),
		Doff: uint32(dst.Offset), Soff: uint32(src.Offset)}
	ds := [...]*uint32{&pc.Ds0, &pc.Ds1, &pc.Ds2, &pc.Ds3, &pc.Ds4}
	for i, v := range dst.Strides {
		*ds[i] = uint32(v)
	}
	ss := [...]*uint32{&pc.Ss0, &pc.Ss1, &pc.Ss2, &pc.Ss3, &pc.Ss4}
	for i, v := range src.Strides {
		*ss[i] = uint32(v)
	}
	kernel, dt := "conv", uint32(0)
	if is16(dst.DType()) {
		kernel, dt = "conv16", uint32(dst.DType()) // 16-bit operands: the bits, float32 sums
	}
	pipe := b.pipeline(kernel, 2, specWords(&convSpec{Workgroup: convGroup, Mode: mode, DType: dt}))
	b.dispatch(pipe, kernel, pushBytes(&pc), b.grid(total, convGroup),
		gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src))
}
