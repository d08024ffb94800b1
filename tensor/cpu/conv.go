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
// channel) plane per task, the planes in the order their patches lie in
// dst (see planeOrder). Rows of a tap are copied as runs where both
// sides are contiguous (stride 1), with zeros where the tap falls in the
// padding; a "same" convolution copies a whole tap at once (im2colTap).
// 16-bit operands go through float32 copies (widen16).
func (be *Backend) Im2Col(dst, src backend.Strided, k, stride, pad int) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Im2Col(w[0], w[1], k, stride, pad) }) {
		return
	}
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := src.Shape[0], src.Shape[1], src.Shape[2], src.Shape[3]
	ho, wo := dst.Shape[3], dst.Shape[4]
	ss, ds := src.Strides, dst.Strides
	run := stride == 1 && ss[3] == 1 && ds[4] == 1
	same := run && ss[2] == wo && ds[3] == wo && w == wo
	plane := planeOrder(n, c, ds)
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		if same {
			var in, out [planeGroup]int
			for g := lo; g < hi; g += planeGroup {
				m := min(planeGroup, hi-g)
				for q := range m {
					img, ch := plane(g + q)
					in[q] = src.Offset + img*ss[0] + ch*ss[1]
					out[q] = dst.Offset + img*ds[0] + ch*ds[1]
				}
				for t := 0; t < k*k; t++ {
					for q := range m {
						im2colTap(d, s, out[q]+t*ds[2], in[q], t/k, t%k, ho, wo, h, pad)
					}
				}
			}
			return
		}
		for p := lo; p < hi; p++ {
			img, ch := plane(p)
			in := src.Offset + img*ss[0] + ch*ss[1]
			out := dst.Offset + img*ds[0] + ch*ds[1]
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

// planeGroup is how many planes a "same" convolution's Im2Col and Col2Im
// take through each tap before the next tap: in tensor.Im2Col's layout
// the same tap of consecutive images is consecutive in the patches, so
// the group writes (or reads) one run of planeGroup·Ho·Wo values per tap.
const planeGroup = 16

// planeOrder returns the (image, channel) of the p-th of the n·c planes in
// the order their patch blocks lie in memory (strides cs of the [N, C,
// k², Ho, Wo] patches): channels outermost when images are the nearer
// (tensor.Im2Col's [C·k², N·Ho·Wo]), images outermost otherwise. Going
// through the patches in memory order writes and reads them as streams;
// the other order touched 25 blocks of 784 bytes each 200 KB apart per
// plane of the MNIST CNN's second conv, at a third of the bandwidth.
func planeOrder(n, c int, cs []int) func(p int) (img, ch int) {
	if cs[0] < cs[1] {
		return func(p int) (int, int) { return p % n, p / n }
	}
	return func(p int) (int, int) { return p / c, p % c }
}

// Col2Im sums the patch entries of src back onto the pixels of dst. Each
// (image, channel) plane accumulates in float64, tap by tap in (i, j)
// order, so every pixel sums its entries in the same order as a per-pixel
// gather would, and rounds once. The planes go in the order their patches
// lie in src (planeOrder); a "same" convolution adds a whole tap at once
// (col2imTap). 16-bit operands go through float32 copies (widen16).
func (be *Backend) Col2Im(dst, src backend.Strided, k, stride, pad int) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Col2Im(w[0], w[1], k, stride, pad) }) {
		return
	}
	d, s := data(dst.Buf), data(src.Buf)
	n, c, h, w := dst.Shape[0], dst.Shape[1], dst.Shape[2], dst.Shape[3]
	ho, wo := src.Shape[3], src.Shape[4]
	ss, ds := src.Strides, dst.Strides
	run := stride == 1 && ss[4] == 1
	same := run && ss[3] == wo && w == wo
	plane := planeOrder(n, c, ss)
	// store rounds the plane's sums in acc into dst.
	store := func(acc []float64, out int) {
		for hh := 0; hh < h; hh++ {
			for ww := 0; ww < w; ww++ {
				d[out+hh*ds[2]+ww*ds[3]] = float32(acc[hh*w+ww])
			}
		}
	}
	parallelFor(n*c, max(1, parallelMin/max(k*k*ho*wo, 1)), func(lo, hi int) {
		if same {
			acc := make([]float64, planeGroup*h*w)
			scratch := make([]float32, ho*wo)
			var in [planeGroup]int
			for g := lo; g < hi; g += planeGroup {
				m := min(planeGroup, hi-g)
				clear(acc)
				for q := range m {
					img, ch := plane(g + q)
					in[q] = src.Offset + img*ss[0] + ch*ss[1]
				}
				for t := 0; t < k*k; t++ {
					for q := range m {
						col2imTap(acc[q*h*w:(q+1)*h*w], s, scratch, in[q]+t*ss[2], t/k, t%k, ho, wo, h, pad)
					}
				}
				for q := range m {
					img, ch := plane(g + q)
					store(acc[q*h*w:(q+1)*h*w], dst.Offset+img*ds[0]+ch*ds[1])
				}
			}
			return
		}
		acc := make([]float64, h*w)
		for p := lo; p < hi; p++ {
			img, ch := plane(p)
			in := src.Offset + img*ss[0] + ch*ss[1]
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
			store(acc, dst.Offset+img*ds[0]+ch*ds[1])
		}
	})
}

// The "same" convolutions (stride 1, 2·pad = k − 1, so that the output
// rows are as long as the input's: the MNIST CNN's 5×5 pad 2) shift each
// tap's plane by a constant: tap (i, j) of output pixel (y, x) is input
// pixel (y + i − pad, x + j − pad), at a fixed distance in both planes
// when their rows are w apart. A tap is then one contiguous copy of the
// rows in range, which also carries, at the start and end of each row,
// the |j − pad| entries that wrapped in from a neighbouring row; those
// are the padding and are cleared after. (Per-row copies of 14 or 28
// floats made Im2Col and Col2Im cost more than the product between them.)

// sameRows returns the output rows [y0, y1) of tap row i whose input row
// lies in [0, h).
func sameRows(i, pad, h, ho int) (y0, y1 int) {
	y0 = min(ho, max(0, pad-i))
	return y0, max(y0, min(ho, h+pad-i))
}

// im2colTap writes tap (i, j) of one plane at o (rows wo apart) from the
// plane at in (rows wo apart).
func im2colTap(d, s []float32, o, in, i, j, ho, wo, h, pad int) {
	y0, y1 := sameRows(i, pad, h, ho)
	x0, x1 := tapRange(j, 1, pad, wo, wo)
	if y0 == y1 || x0 == x1 { // all padding
		clear(d[o : o+ho*wo])
		return
	}
	clear(d[o : o+y0*wo])
	clear(d[o+y1*wo : o+ho*wo])
	// Output entries (y0, x0) to (y1−1, x1−1), in a row.
	first, last := y0*wo+x0, (y1-1)*wo+x1
	shift := (i-pad)*wo + j - pad
	copy(d[o+first:o+last], s[in+first+shift:in+last+shift])
	for y := y0; y < y1; y++ {
		r := o + y*wo
		clear(d[r : r+x0])
		clear(d[r+x1 : r+wo])
	}
}

// col2imTap adds tap (i, j) of one plane, at t in s with rows wo apart, to
// acc (the plane's h×wo pixels) through scratch, a copy with the wrapped
// entries cleared, as one long run.
func col2imTap(acc []float64, s, scratch []float32, t, i, j, ho, wo, h, pad int) {
	y0, y1 := sameRows(i, pad, h, ho)
	x0, x1 := tapRange(j, 1, pad, wo, wo)
	first, last := y0*wo+x0, (y1-1)*wo+x1
	if y0 == y1 || x0 == x1 {
		return
	}
	sc := scratch[first:last]
	copy(sc, s[t+first:t+last])
	for y := y0; y < y1-1; y++ {
		// The wrapped entries: row y's [x1, wo) and row y+1's [0, x0).
		clear(scratch[y*wo+x1 : (y+1)*wo+x0])
	}
	shift := (i-pad)*wo + j - pad
	vec.Accumulate(acc[first+shift:last+shift], sc)
}
