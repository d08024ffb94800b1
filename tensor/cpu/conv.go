package cpu

import "github.com/vktensor/vktensor/tensor/backend"

// Im2Col copies the k×k patches of the images in src into dst, one (image,
// channel) plane per task.
func (*Backend) Im2Col(dst, src backend.Strided, k, stride, pad int) {
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := src.Shape[0], src.Shape[1], src.Shape[2], src.Shape[3]
	ho, wo := dst.Shape[3], dst.Shape[4]
	ss, ds := src.Strides, dst.Strides
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in := src.Offset + (p/c)*ss[0] + (p%c)*ss[1]
			out := dst.Offset + (p/c)*ds[0] + (p%c)*ds[1]
			for i := 0; i < k; i++ {
				for j := 0; j < k; j++ {
					o := out + (i*k+j)*ds[2]
					for y := 0; y < ho; y++ {
						row := o + y*ds[3]
						hh := y*stride + i - pad
						if hh < 0 || hh >= h {
							for x := 0; x < wo; x++ {
								d[row+x*ds[4]] = 0
							}
							continue
						}
						ir := in + hh*ss[2]
						for x := 0; x < wo; x++ {
							ww := x*stride + j - pad
							v := float32(0)
							if ww >= 0 && ww < w {
								v = s[ir+ww*ss[3]]
							}
							d[row+x*ds[4]] = v
						}
					}
				}
			}
		}
	})
}

// Col2Im sums the patch entries of src back onto the pixels of dst.
func (*Backend) Col2Im(dst, src backend.Strided, k, stride, pad int) {
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := dst.Shape[0], dst.Shape[1], dst.Shape[2], dst.Shape[3]
	ho, wo := src.Shape[3], src.Shape[4]
	ss, ds := src.Strides, dst.Strides
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in := src.Offset + (p/c)*ss[0] + (p%c)*ss[1]
			out := dst.Offset + (p/c)*ds[0] + (p%c)*ds[1]
			for hh := 0; hh < h; hh++ {
				for ww := 0; ww < w; ww++ {
					// Sum in float64 over the taps that read this pixel, in
					// (i, j) order.
					var acc float64
					for i := 0; i < k; i++ {
						yy := hh + pad - i
						if yy < 0 || yy%stride != 0 || yy/stride >= ho {
							continue
						}
						for j := 0; j < k; j++ {
							xx := ww + pad - j
							if xx < 0 || xx%stride != 0 || xx/stride >= wo {
								continue
							}
							acc += float64(s[in+(i*k+j)*ss[2]+(yy/stride)*ss[3]+(xx/stride)*ss[4]])
						}
					}
					d[out+hh*ds[2]+ww*ds[3]] = float32(acc)
				}
			}
		}
	})
}
