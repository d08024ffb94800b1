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

var _ backend.Convolver = (*Backend)(nil)

// The implicit-GEMM convolutions: matmul.comp's CONV builds (convgemm*),
// the tiles, slices and epilogue of MatMul with the operands gathered
// through the convolution's geometry as slices are staged. See matmul.comp's
// header for the three modes' M, N, K.
const (
	convForward    = 1
	convInputGrad  = 2
	convWeightGrad = 3
)

// convGeom is a convolution's geometry, read off its operands' shapes.
type convGeom struct {
	n, c, h, w, o, k, ho, wo, stride, pad int
}

// Conv2d sets dst [N, O, Ho, Wo] to x [N, C, H, W] convolved with
// w [O, C, k, k], plus bias [O] when bias.Buf is not nil: M = N·Ho·Wo,
// N = O, K = C·k².
func (b *Backend) Conv2d(dst, x, w, bias backend.Strided, stride, pad int) {
	defer b.exit()
	if !b.enter("Conv2d", 1, dst, x, w, bias) {
		return
	}
	g := convGeom{n: x.Shape[0], c: x.Shape[1], h: x.Shape[2], w: x.Shape[3], o: w.Shape[0], k: w.Shape[2],
		ho: dst.Shape[2], wo: dst.Shape[3], stride: stride, pad: pad}
	flags := 0
	if bias.Buf != nil {
		flags = mmBias
	}
	b.convGemm(convForward, g, dst, x, w, bias, g.n*g.ho*g.wo, g.o, g.c*g.k*g.k, flags)
}

// Conv2dInputGrad sets dx [N, C, H, W] from the output gradient
// gr [N, O, Ho, Wo] and w: M = N·H·W, N = C, K = O·k² (the taps of a
// stride above 1 that fall between output positions are zeros of K).
func (b *Backend) Conv2dInputGrad(dx, gr, w backend.Strided, stride, pad int) {
	defer b.exit()
	if !b.enter("Conv2dInputGrad", 1, dx, gr, w) {
		return
	}
	g := convGeom{n: dx.Shape[0], c: dx.Shape[1], h: dx.Shape[2], w: dx.Shape[3], o: w.Shape[0], k: w.Shape[2],
		ho: gr.Shape[2], wo: gr.Shape[3], stride: stride, pad: pad}
	if (g.c < directInputGradChannels || g.stride > 1) && dx.DType() == backend.Float32 && !b.forceDirectConv && b.inputGradByPatches(g, dx, gr, w) {
		return
	}
	b.convGemm(convInputGrad, g, dx, gr, w, backend.Strided{}, g.n*g.h*g.w, g.c, g.o*g.k*g.k, 0)
}

// directInputGradChannels is the fewest image channels for which the input
// gradient runs as an implicit GEMM: that product's N is C, and below 16
// its tiles are mostly empty; with a stride s above 1, (s²−1)/s² of its K
// are the zeros between output positions. Those run instead as per-image
// products
// Wᵀ·G ([C·k², O]·[O, Ho·Wo], whose M is C·k²) into a patch-gradient
// float32 scratch that Col2Im sums onto the pixels (Float32 operands: the
// 16-bit products would round the patch gradients before their sums).
const directInputGradChannels = 16

// inputGradByPatches records that path, reporting false (nothing
// recorded) where w's or gr's axes do not merge into the matrices it
// needs or its scratch would exceed the device's largest buffer.
func (b *Backend) inputGradByPatches(g convGeom, dx, gr, w backend.Strided) bool {
	ws, gs := w.Strides, gr.Strides
	if !(g.c == 1 || ws[1] == g.k*g.k*ws[3]) || !(g.k == 1 || ws[2] == g.k*ws[3]) || !(g.ho == 1 || gs[2] == g.wo*gs[3]) {
		return false
	}
	kk, hw := g.c*g.k*g.k, g.ho*g.wo
	if uint64(g.n)*uint64(kk)*uint64(hw)*4 > b.info.MaxStorageBufferRange {
		return false // the patch gradients would not fit one buffer: direct
	}
	if b.err != nil || dx.Size() == 0 {
		return true
	}
	cols, err := b.alloc(max(g.n*kk*hw, 1))
	if err != nil {
		b.fail(err)
		return true
	}
	defer b.free(cols) // reuse waits for the recorded work
	// cols[n] [C·k², Ho·Wo] = Wᵀ [C·k², O] · G[n] [O, Ho·Wo]
	dst := backend.Strided{Buf: cols, Shape: []int{g.n, kk, hw}, Strides: []int{kk * hw, hw, 1}}
	wt := backend.Strided{Buf: w.Buf, Offset: w.Offset, Shape: []int{g.n, kk, g.o}, Strides: []int{0, ws[3], ws[0]}}
	gm := backend.Strided{Buf: gr.Buf, Offset: gr.Offset, Shape: []int{g.n, g.o, hw}, Strides: []int{gs[0], gs[1], gs[3]}}
	b.matmul(dst, wt, gm, backend.Strided{}, 0)
	src := backend.Strided{Buf: cols, Shape: []int{g.n, g.c, g.k * g.k, g.ho, g.wo}, Strides: []int{kk * hw, g.k * g.k * hw, hw, g.wo, 1}}
	b.conv(1, dx, src, dx.Shape, g.ho, g.wo, g.k, g.stride, g.pad)
	return true
}

// Conv2dWeightGrad sets dw [O, C, k, k] from x and the output gradient
// gr: M = O, N = C·k², K = N·Ho·Wo, split along K when the tiles are few.
func (b *Backend) Conv2dWeightGrad(dw, x, gr backend.Strided, stride, pad int) {
	defer b.exit()
	if !b.enter("Conv2dWeightGrad", 1, dw, x, gr) {
		return
	}
	g := convGeom{n: x.Shape[0], c: x.Shape[1], h: x.Shape[2], w: x.Shape[3], o: dw.Shape[0], k: dw.Shape[2],
		ho: gr.Shape[2], wo: gr.Shape[3], stride: stride, pad: pad}
	b.convGemm(convWeightGrad, g, dw, gr, x, backend.Strided{}, g.o, g.c*g.k*g.k, g.n*g.ho*g.wo, 0)
}

// tighterTiles steps down from v to smaller tilings while they pad M×N to
// at most ¾ of the area: a convolution's N (or M) is often a channel count
// such as 32, which half fills a 64-wide tile (lavapipe, the MNIST CNN's
// second layer: the input gradient at 1.35 GFLOP/s in 64×64 tiles, 1.95 in
// 32×32), while smaller tiles load more per multiply-add, so a few percent
// of padding is not worth them (its weight gradient, N = 800: 2.82 in
// 64×64 tiles, 2.03 in 32×32).
func tighterTiles(v variant, M, N int) variant {
	area := func(t variant) int { return ceilDiv(M, t.bm) * t.bm * ceilDiv(N, t.bn) * t.bn }
	for i := len(variants) - 1; i > 0; i-- {
		if variants[i].bm != v.bm || variants[i].bn != v.bn {
			continue
		}
		for ; i > 0 && 4*area(variants[i-1]) <= 3*area(v); i-- {
			v = variants[i-1]
		}
		break
	}
	return v
}

// convGemm records D = A·B for one mode: the operands are the shader's A
// and B (mode 1: x, w; mode 2: gr, w; mode 3: gr, x).
func (b *Backend) convGemm(mode uint32, g convGeom, dst, a, x, bias backend.Strided, M, N, K, flags int) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	// every index the kernel forms is a 32-bit element index, and the
	// padded image's coordinates are int32s
	if !within(dst, a, x, bias) || M > maxElems || N > maxElems || K > maxElems ||
		g.h+2*g.pad >= 1<<31 || g.w+2*g.pad >= 1<<31 {
		b.fail(errTooLarge)
		return
	}
	v := b.pickVariant(M, N, K, 1)
	if b.forceVariant == nil {
		v = tighterTiles(v, M, N)
	}
	v = v.fit(int(b.info.MaxComputeSharedMemorySize))
	// the CONV loaders need WG to be a multiple of BM and BK (matmul.comp)
	if v.kname != "" || !(v.tm == 4 && v.tn == 4 || v.tm == 8 && v.tn == 8) || v.wg()%v.bm != 0 || v.wg()%v.bk != 0 {
		v = variants[1].fit(int(b.info.MaxComputeSharedMemorySize)) // a tuning tiling without a CONV build
	}
	splits := 1
	st := dst.Strides
	// split-K sums its partials through splitk.comp, which writes a
	// matrix: only dw whose (c, i, j) axes merge into one stride
	if mode == convWeightGrad && st[2] == g.k*st[3] && st[1] == g.k*g.k*st[3] {
		splits = b.splitsFor(ceilDiv(M, v.bm)*ceilDiv(N, v.bn), K)
	}
	kSplit := max(ceilDiv(ceilDiv(K, splits), v.bk)*v.bk, v.bk)
	if K > 0 {
		splits = ceilDiv(K, kSplit)
	}
	u := func(s []int) [4]uint32 { return [4]uint32{uint32(s[0]), uint32(s[1]), uint32(s[2]), uint32(s[3])} }
	pc := convGemmPC{SD: u(dst.Strides), SA: u(a.Strides), SB: u(x.Strides),
		M: uint32(M), N: uint32(N), K: uint32(K),
		OffD: uint32(dst.Offset), OffA: uint32(a.Offset), OffB: uint32(x.Offset),
		KSplit: uint32(kSplit), Splits: uint32(splits),
		C: uint32(g.c), H: uint32(g.h), W: uint32(g.w), Ho: uint32(g.ho), Wo: uint32(g.wo),
		KS: uint32(g.k), Stride: uint32(g.stride), Pad: uint32(g.pad)}
	biasRange := in(a) // any readable buffer when there is no bias
	if flags&mmBias != 0 {
		pc.OffBias, pc.SBias = uint32(bias.Offset), uint32(bias.Strides[0])
		biasRange = in(bias)
	}
	// the slot orders of the CONV loaders: A with m fastest (modes 1, 2:
	// neighbouring invocations read neighbouring pixels) or k fastest
	// (mode 3: neighbouring output positions), B with k fastest
	amode, bmode := uint32(1), uint32(1)
	if mode == convWeightGrad {
		amode = 0
	}
	f := flags
	if v.warps && (v.bm/v.tm)%4 == 0 && (v.bn/v.tn)%8 == 0 && v.wg()%32 == 0 {
		f |= mmWarps
	}
	if M%v.bm == 0 && N%v.bn == 0 && K%v.bk == 0 {
		f |= mmFull
	}
	kernel, splitk, dt := "convgemm", "splitk", uint32(0)
	if v.tm == 8 {
		kernel = "convgemm_8x8"
	}
	if is16(dst.DType()) {
		kernel, splitk, dt = kernel+"16", "splitk16", uint32(dst.DType())
		if v.tm == 8 {
			kernel = "convgemm_8x8_16"
		}
	}
	spec := func(f int) []uint32 {
		return specWords(&convGemmSpec{Workgroup: uint32(v.wg()), BM: uint32(v.bm), BN: uint32(v.bn), BK: uint32(v.bk),
			AMode: amode, BMode: bmode, Flags: uint32(f), Swz: uint32(v.swz), DType: dt, CMode: mode})
	}
	groups := [3]uint32{uint32(ceilDiv(N, v.bn)), uint32(ceilDiv(M, v.bm)), uint32(splits)}
	if splits == 1 {
		pipe := b.pipeline(kernel, 4, spec(f))
		b.dispatch(pipe, kernel, pushBytes(&pc), groups, gbuf(dst.Buf).Range(0, 0, gpu.Write), in(a), in(x), biasRange)
		return
	}
	scratch, err := b.alloc(splits * M * N)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(scratch) // reuse waits for the recorded work
	if N%4 == 0 {
		f |= mmVecD // the dense float32 partials
	}
	sp := splitkPC{M: pc.M, N: pc.N, Batches: 1, Splits: uint32(splits), Nb2: 1,
		OffD: pc.OffD, SDM: uint32(st[0]), SDN: uint32(st[3])}
	pc.OffD = 0
	sc := backend.Strided{Buf: scratch}
	pipe := b.pipeline(kernel, 4, spec(mmPartial|f&(mmFull|mmVecD|mmWarps)))
	b.dispatch(pipe, kernel, pushBytes(&pc), groups, out(sc), in(a), in(x), biasRange)
	kp := b.pipeline(splitk, 3, specWords(&splitkSpec{Workgroup: ewGroup, Flags: 0, DType: dt}))
	b.dispatch(kp, splitk, pushBytes(&sp), b.grid(M*N, ewGroup), gbuf(dst.Buf).Range(0, 0, gpu.Write), in(sc), in(sc))
}
