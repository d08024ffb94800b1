package vulkan

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// convRef computes a Convolver op on the reference backend in float64,
// straight from the definitions in backend.Convolver, reading and
// writing the operands' whole buffers so that the destination's other
// elements keep their values (the harness compares the whole buffer).
// A tap that reads padding contributes 0·w, as Im2Col and MatMul give.
func convRef(b backend.Backend, mode int, o []backend.Strided, stride, pad int) {
	read := func(s backend.Strided) []float64 {
		dt := s.Buf.DType()
		n := s.Buf.Len()
		raw := make([]byte, n*dt.Size())
		if err := b.Read(raw, backend.Strided{Buf: s.Buf, Shape: []int{n}, Strides: []int{1}}); err != nil {
			panic(err)
		}
		v := make([]float64, n)
		for i := range v {
			v[i], _ = decode(dt, raw, i)
		}
		return v
	}
	at := func(s backend.Strided, v []float64, i ...int) float64 {
		e := s.Offset
		for k, x := range i {
			e += x * s.Strides[k]
		}
		return v[e]
	}
	dst := o[0]
	d := read(dst)
	set := func(v float64, i ...int) {
		e := dst.Offset
		for k, x := range i {
			e += x * dst.Strides[k]
		}
		d[e] = v
	}
	var x, w, g, bias backend.Strided
	switch mode {
	case convForward:
		x, w = o[1], o[2]
		if len(o) > 3 {
			bias = o[3]
		}
	case convInputGrad:
		g, w = o[1], o[2]
	default:
		x, g = o[1], o[2]
	}
	var xs, ws, gs, bs []float64
	if x.Buf != nil {
		xs = read(x)
	}
	if w.Buf != nil {
		ws = read(w)
	}
	if g.Buf != nil {
		gs = read(g)
	}
	if bias.Buf != nil {
		bs = read(bias)
	}
	// pixel is x at the tap, 0 in the padding
	var n, c, h, wd int
	switch mode {
	case convInputGrad:
		n, c, h, wd = dst.Shape[0], dst.Shape[1], dst.Shape[2], dst.Shape[3]
	default:
		n, c, h, wd = x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	}
	pixel := func(im, ch, y, xx, i, j int) float64 {
		r, q := y*stride+i-pad, xx*stride+j-pad
		if r < 0 || r >= h || q < 0 || q >= wd {
			return 0
		}
		return at(x, xs, im, ch, r, q)
	}
	switch mode {
	case convForward:
		oc, k, ho, wo := w.Shape[0], w.Shape[2], dst.Shape[2], dst.Shape[3]
		for im := 0; im < n; im++ {
			for oo := 0; oo < oc; oo++ {
				for y := 0; y < ho; y++ {
					for xx := 0; xx < wo; xx++ {
						s := 0.0
						if bs != nil {
							s = at(bias, bs, oo)
						}
						for ch := 0; ch < c; ch++ {
							for i := 0; i < k; i++ {
								for j := 0; j < k; j++ {
									s += at(w, ws, oo, ch, i, j) * pixel(im, ch, y, xx, i, j)
								}
							}
						}
						set(s, im, oo, y, xx)
					}
				}
			}
		}
	case convInputGrad:
		oc, k, ho, wo := w.Shape[0], w.Shape[2], g.Shape[2], g.Shape[3]
		for im := 0; im < n; im++ {
			for ch := 0; ch < c; ch++ {
				for r := 0; r < h; r++ {
					for q := 0; q < wd; q++ {
						s := 0.0
						for oo := 0; oo < oc; oo++ {
							for i := 0; i < k; i++ {
								for j := 0; j < k; j++ {
									yy, xx := r+pad-i, q+pad-j
									if yy < 0 || xx < 0 || yy%stride != 0 || xx%stride != 0 || yy/stride >= ho || xx/stride >= wo {
										continue
									}
									s += at(w, ws, oo, ch, i, j) * at(g, gs, im, oo, yy/stride, xx/stride)
								}
							}
						}
						set(s, im, ch, r, q)
					}
				}
			}
		}
	default:
		oc, k, ho, wo := dst.Shape[0], dst.Shape[2], g.Shape[2], g.Shape[3]
		for oo := 0; oo < oc; oo++ {
			for ch := 0; ch < c; ch++ {
				for i := 0; i < k; i++ {
					for j := 0; j < k; j++ {
						s := 0.0
						for im := 0; im < n; im++ {
							for y := 0; y < ho; y++ {
								for xx := 0; xx < wo; xx++ {
									s += at(g, gs, im, oo, y, xx) * pixel(im, ch, y, xx, i, j)
								}
							}
						}
						set(s, oo, ch, i, j)
					}
				}
			}
		}
	}
	dt := dst.Buf.DType()
	f := make([]float32, len(d))
	for i, v := range d {
		f[i] = float32(v)
	}
	raw, _ := encode(dt, f, nil)
	if err := b.Write(dst.Buf, 0, raw); err != nil {
		panic(err)
	}
}

// convBound is the norm-scaled bound of a float32 sum of kk products of
// the finite operands data[1] and data[2] (as mmBound).
func convBound(kk int) func(data [][]float32, o []backend.Strided) float64 {
	return func(data [][]float32, o []backend.Strided) float64 {
		return float64(kk) * float64(kk) * eps32 * finiteMaxAbs(data[1]) * finiteMaxAbs(data[2])
	}
}

type convCase struct {
	n, c, h, w, o, k, s, p int
	variant, splits        int // a forced tiling (index into variants, -1 by shape) and split count (0 by shape)
}

var convCases = []convCase{
	{1, 1, 1, 1, 1, 1, 1, 0, -1, 0},   // one pixel, pointwise
	{2, 3, 7, 9, 5, 3, 1, 1, -1, 0},   // "same" 3×3, odd sizes
	{1, 2, 9, 6, 3, 5, 2, 2, -1, 0},   // stride 2, wide padding
	{2, 4, 8, 7, 3, 2, 2, 0, -1, 0},   // even kernel, no padding
	{1, 3, 10, 11, 2, 3, 3, 2, -1, 0}, // stride 3: most input-gradient taps fall between outputs
	{3, 2, 5, 5, 4, 1, 1, 0, -1, 0},   // 1×1
	{1, 2, 4, 4, 3, 3, 1, 3, -1, 0},   // padding wider than the kernel's reach: whole rows of zeros
	{2, 8, 9, 9, 33, 3, 1, 1, 0, 0},   // each forced tiling on a ragged shape
	{2, 8, 9, 9, 33, 3, 1, 1, 1, 0},
	{2, 8, 9, 9, 33, 3, 1, 1, 2, 0},
	{3, 4, 15, 15, 6, 3, 1, 1, -1, 3},   // the weight gradient split along K
	{1, 16, 7, 7, 3, 3, 2, 1, -1, 0},    // 16 channels, stride 2: the input gradient through patches
	{2, 64, 16, 16, 64, 3, 1, 1, -1, 0}, // by shape: 128×128 tiles (K = 576)
}

func (c convCase) geometry() (x, w, y []int) {
	ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
	return []int{c.n, c.c, c.h, c.w}, []int{c.o, c.c, c.k, c.k}, []int{c.n, c.o, ho, wo}
}

// convParityCases are the three modes on each case, the destination in a
// strided layout (stray writes show in its gaps) and the sources
// transposed, shifted or stepped, in dtype dt.
func convParityCases(dt backend.DType, gen func(*rand.Rand) float32) []pcase {
	var cs []pcase
	for ci, cc := range convCases {
		if dt != backend.Float32 && (ci >= len(convCases)-1 || cc.variant == 0 || cc.variant == 1) {
			continue // the large case and the small tilings once, in float32
		}
		xs, ws, ys := cc.geometry()
		s, p, variant, splits := cc.s, cc.p, cc.variant, cc.splits
		name := fmt.Sprintf("%v/%v/s%d-p%d/t%d-k%d/%v", xs, ws, s, p, variant, splits, dt)
		ulps := 0.0
		if dt != backend.Float32 {
			ulps = 1
		}
		dts := []backend.DType{dt, dt, dt, dt}
		// one case of a mode: the CPU computes the definition (convRef),
		// Vulkan the op with the case's tiling, split count and path forced
		add := func(what string, mode int, ops []opnd, kk int, direct bool) {
			cs = append(cs, pcase{
				name: what + "/" + name, ops: ops, dts: dts,
				run: func(b backend.Backend, o []backend.Strided) {
					v, ok := b.(*Backend)
					if !ok {
						convRef(b, mode, o, s, p)
						return
					}
					v.forceVariant, v.forceSplits, v.forceDirectConv = forcedTiling(variant), splits, direct
					defer func() { v.forceVariant, v.forceSplits, v.forceDirectConv = nil, 0, false }()
					switch mode {
					case convForward:
						bs := backend.Strided{}
						if len(o) > 3 {
							bs = o[3]
						}
						v.Conv2d(o[0], o[1], o[2], bs, s, p)
					case convInputGrad:
						v.Conv2dInputGrad(o[0], o[1], o[2], s, p)
					default:
						v.Conv2dWeightGrad(o[0], o[1], o[2], s, p)
					}
				},
				norm: 1, bound: convBound(kk), ulps: ulps, abs: 1e-30,
			})
		}
		fwd := []opnd{{ys, stepped, nil}, {xs, transposed, gen}, {ws, shifted, normal}}
		add("forward/bias=false", convForward, fwd, cc.c*cc.k*cc.k, false)
		add("forward/bias=true", convForward, append(fwd, opnd{[]int{cc.o}, stepped, normal}), cc.c*cc.k*cc.k, false)
		for _, direct := range []bool{true, false} {
			if !direct && cc.c >= directInputGradChannels && cc.s == 1 {
				continue // the same as direct
			}
			add(fmt.Sprintf("input-grad/direct=%v", direct), convInputGrad,
				[]opnd{{xs, stepped, nil}, {ys, transposed, gen}, {ws, shifted, normal}}, cc.o*cc.k*cc.k, direct)
			// dense operands: the matrices of the patch path merge
			add(fmt.Sprintf("input-grad-dense/direct=%v", direct), convInputGrad,
				[]opnd{{xs, stepped, nil}, {ys, dense, gen}, {ws, dense, normal}}, cc.o*cc.k*cc.k, direct)
		}
		add("weight-grad", convWeightGrad, []opnd{{ws, stepped, nil}, {xs, shifted, gen}, {ys, transposed, gen}}, ys[0]*ys[2]*ys[3], false)
		// a dense weight gradient: the split-K path (a strided one cannot split)
		add("weight-grad-dense", convWeightGrad, []opnd{{ws, dense, nil}, {xs, dense, gen}, {ys, dense, gen}}, ys[0]*ys[2]*ys[3], false)
	}
	return cs
}

// TestConvGemmParity checks the implicit-GEMM convolutions against the
// definitions computed in float64, in every dtype, then again with NaN
// and infinities in the images and gradients (not in the weights: an
// infinite weight meets the zeros of padding and of stride gaps, which
// the input gradient multiplies where the definition skips them).
func TestConvGemmParity(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(4))
	for _, dt := range []backend.DType{backend.Float32, backend.Float16, backend.BFloat16} {
		if dt != backend.Float32 && !vk.info.Storage16Bit {
			continue
		}
		for si, gen := range []func(*rand.Rand) float32{normal, denseSpecials} {
			if dt != backend.Float32 && si > 0 {
				continue // the specials once, in float32
			}
			for _, c := range convParityCases(dt, gen) {
				t.Run(c.name, func(t *testing.T) { checkCase(t, c, ref, vk, r) })
			}
		}
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}
