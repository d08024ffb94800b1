package vulkan

import (
	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

const (
	convPush  = 22 * 4
	convGroup = 256
)

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
	w := make([]uint32, 22)
	for i, v := range []int{img[0], img[1], img[2], img[3], ho, wo, k, stride, pad, total, dst.Offset, src.Offset} {
		w[i] = uint32(v)
	}
	for i, v := range dst.Strides {
		w[12+i] = uint32(v)
	}
	for i, v := range src.Strides {
		w[17+i] = uint32(v)
	}
	pipe := b.pipeline("conv", 2, convPush, convGroup, mode)
	b.dispatch(pipe, "conv", w, b.grid(total, convGroup),
		gbuf(dst.Buf).Range(0, 0, gpu.Write), in(src))
}
