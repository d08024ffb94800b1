package cpu

import (
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// tapRange returns the output columns x in [x0, x1) whose input column
// x·stride + j − pad falls inside [0, w); x0 ≤ x1 ≤ wo, so that [0, x0)
// and [x1, wo) are the padding (all of the row when padding is wider than
// the image).
func tapRange(j, stride, pad, w, wo int) (x0, x1 int) {
	if pad > j {
		x0 = min(wo, (pad-j+stride-1)/stride)
	}
	x1 = min(wo, (w-1-j+pad)/stride+1)
	if w-1-j+pad < 0 {
		x1 = 0
	}
	return x0, max(x0, x1)
}

// Im2Col copies the k×k patches of the images in src into dst, one (image,
// channel) plane per task. Rows of a tap are copied as runs where both
// sides are contiguous (stride 1), with zeros where the tap falls in the
// padding.
func (be *Backend) Im2Col(dst, src backend.Strided, k, stride, pad int) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Im2Col(w[0], w[1], k, stride, pad) }) {
		return
	}
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := src.Shape[0], src.Shape[1], src.Shape[2], src.Shape[3]
	ho, wo := dst.Shape[3], dst.Shape[4]
	ss, ds := src.Strides, dst.Strides
	run := stride == 1 && ss[3] == 1 && ds[4] == 1
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in := src.Offset + (p/c)*ss[0] + (p%c)*ss[1]
			out := dst.Offset + (p/c)*ds[0] + (p%c)*ds[1]
			for i := 0; i < k; i++ {
				for j := 0; j < k; j++ {
					o := out + (i*k+j)*ds[2]
					x0, x1 := tapRange(j, stride, pad, w, wo)
					for y := 0; y < ho; y++ {
						row := o + y*ds[3]
						hh := y*stride + i - pad
						if hh < 0 || hh >= h { // the whole row is padding
							for x := 0; x < wo; x++ {
								d[row+x*ds[4]] = 0
							}
							continue
						}
						for x := 0; x < x0; x++ {
							d[row+x*ds[4]] = 0
						}
						ir := in + hh*ss[2] + (j-pad)*ss[3]
						if run {
							if x1 > x0 {
								copy(d[row+x0:row+x1], s[ir+x0:ir+x1])
							}
						} else {
							for x := x0; x < x1; x++ {
								d[row+x*ds[4]] = s[ir+x*stride*ss[3]]
							}
						}
						for x := x1; x < wo; x++ {
							d[row+x*ds[4]] = 0
						}
					}
				}
			}
		}
	})
}

// Col2Im sums the patch entries of src back onto the pixels of dst. Each
// (image, channel) plane accumulates in float64, tap by tap in (i, j)
// order, so every pixel sums its entries in the same order as a per-pixel
// gather would, and rounds once.
func (be *Backend) Col2Im(dst, src backend.Strided, k, stride, pad int) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Col2Im(w[0], w[1], k, stride, pad) }) {
		return
	}
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := dst.Shape[0], dst.Shape[1], dst.Shape[2], dst.Shape[3]
	ho, wo := src.Shape[3], src.Shape[4]
	ss, ds := src.Strides, dst.Strides
	run := stride == 1 && ss[4] == 1
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		acc := make([]float64, h*w)
		for p := lo; p < hi; p++ {
			in := src.Offset + (p/c)*ss[0] + (p%c)*ss[1]
			out := dst.Offset + (p/c)*ds[0] + (p%c)*ds[1]
			clear(acc)
			for i := 0; i < k; i++ {
				for j := 0; j < k; j++ {
					t := in + (i*k+j)*ss[2]
					x0, x1 := tapRange(j, stride, pad, w, wo)
					for y := 0; y < ho; y++ {
						hh := y*stride + i - pad
						if hh < 0 || hh >= h {
							continue
						}
						base, r := hh*w+j-pad, t+y*ss[3] // base+x·stride is inside row hh
						if run && x1 > x0 {
							vec.Accumulate(acc[base+x0:base+x1], s[r+x0:r+x1])
							continue
						}
						for x := x0; x < x1; x++ {
							acc[base+x*stride] += float64(s[r+x*ss[4]])
						}
					}
				}
			}
			for hh := 0; hh < h; hh++ {
				for ww := 0; ww < w; ww++ {
					d[out+hh*ds[2]+ww*ds[3]] = float32(acc[hh*w+ww])
				}
			}
		}
	})
}
