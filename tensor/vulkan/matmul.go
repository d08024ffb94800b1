package vulkan

import (
	"fmt"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// variant is a tiling of shaders/matmul.comp: a BM×BN tile per workgroup,
// BK-deep double-buffered shared-memory slices and TM×TN accumulators per
// invocation. TM and TN are compiled into the kernel (4 or 8 each, see
// kernel), the rest are specialization constants.
type variant struct {
	bm, bn, bk, tm, tn int
	warps              bool   // warp-shaped invocation grid (flag 64)
	swz                int    // tile order: bands of swz tile rows (spec constant 9), 0 grid order
	kname              string // another build of matmul.comp (VKT_BENCH_KERNEL, for tuning), "" the one for TM×TN
}

// The three tilings, smallest first. H200 (GPU timestamps, TFLOP/s at
// n = 1024/2048/4096/8192, 128×128 forced at every size, so 4 splits at
// 1024): 128×128×16 8×8 with the warp-shaped grid 28.6/36.1/36.9/36.9
// (29.8 at 1024 with 2 splits, the default), row-major grid
// 28.2/36.2/37.0/37.2 (equal within noise), ×8 deep
// 27.3/34.1/35.3/35.6, 128×128×16 8×4 (512 invocations) 26.4/33.9/34.8/35.3,
// 128×256 and 256×128 8×8 (512) about 30 and 29 at 8192, 128×64×16 8×4 23.
var variants = []variant{
	{32, 32, 16, 4, 4, false, 0, ""},  // small matrices and skinny products, 64 invocations
	{64, 64, 16, 4, 4, false, 0, ""},  // medium, 256 invocations
	{128, 128, 16, 8, 8, true, 0, ""}, // large, 256 invocations (BK 8 where shared memory is 32 KiB)
}

func (v variant) wg() int { return (v.bm / v.tm) * (v.bn / v.tn) }

// kernel names the SPIR-V build of matmul.comp with v's TM×TN.
func (v variant) kernel() string {
	if v.kname != "" {
		return v.kname
	}
	if v.tm == 4 && v.tn == 4 {
		return "matmul"
	}
	return fmt.Sprintf("matmul_%dx%d", v.tm, v.tn)
}

// shared is the shared memory the kernel declares: two padded slices of
// each operand.
func (v variant) shared() int { return 2 * (v.bm + 4 + v.bn + 4) * v.bk * 4 }

// fit halves BK until the slices fit the device's shared memory.
func (v variant) fit(maxShared int) variant {
	for v.bk > 4 && v.shared() > maxShared {
		v.bk /= 2
	}
	return v
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Flags of matmul.comp and splitk.comp.
const (
	mmBias       = 1
	mmRelu       = 2
	mmAccumulate = 4
	mmPartial    = 8
	mmFull       = 16 // every tile full: no bounds checks
	mmVecD       = 32 // vec4 access to D
	mmWarps      = 64 // warp-shaped invocation grid
)

// MatMul sets dst = a·b, or dst += a·b with accumulate, for every batch
// index.
func (b *Backend) MatMul(dst, a, x backend.Strided, accumulate bool) {
	defer b.exit()
	if !b.enter("MatMul", 1, dst, a, x) {
		return
	}
	flags := 0
	if accumulate {
		flags = mmAccumulate
	}
	b.matmul(dst, a, x, backend.Strided{}, flags)
}

// MatMulBias sets dst = a·b + bias (bias has shape [N], added to every row),
// followed by ReLU when relu is set: the fused epilogue of a linear layer.
// bias.Buf may be nil for no bias.
func (b *Backend) MatMulBias(dst, a, x, bias backend.Strided, relu bool) {
	defer b.exit()
	if !b.enter("MatMulBias", 1, dst, a, x, bias) {
		return
	}
	flags := 0
	if bias.Buf != nil {
		flags |= mmBias
	}
	if relu {
		flags |= mmRelu
	}
	b.matmul(dst, a, x, bias, flags)
}

// enoughGroups is the number of workgroups that keeps the device busy.
func (b *Backend) enoughGroups() int {
	if b.info.Type == gpu.DeviceCPU {
		return 8
	}
	return 128 // a large GPU (H200: 132 SMs)
}

// pickVariant chooses the tiling by the number of tiles each would give:
// the largest tiling that still yields enough workgroups to fill the device.
// The large tiling needs only half as many when K is deep enough for
// split-K to double them (H200, n=1024: 128×128 tiles split in two ran at
// 29.8 TFLOP/s, 64×64 tiles at 26.7).
func (b *Backend) pickVariant(M, N, K, batches int) variant {
	if b.forceVariant != nil {
		return *b.forceVariant
	}
	enough := b.enoughGroups()
	for i := len(variants) - 1; i > 0; i-- {
		v := variants[i]
		if v.wg() > int(b.info.MaxComputeWorkGroupInvocations) {
			continue
		}
		need := enough
		if i == len(variants)-1 && K >= 512 {
			need = enough / 2
		}
		if M >= v.bm/2 && N >= v.bn/2 && ceilDiv(M, v.bm)*ceilDiv(N, v.bn)*batches >= need {
			return v
		}
	}
	return variants[0]
}

// splitsFor returns how many K slices to compute in parallel: only when the
// tiles alone cannot fill the device and K is deep (each slice keeps at
// least 256 of K); tiles×splits aims at enoughGroups (H200, n=1024 with
// 64 tiles: 2 splits 29.8 TFLOP/s, 4 splits 28.6).
func (b *Backend) splitsFor(tiles, K int) int {
	if b.forceSplits > 0 {
		return min(b.forceSplits, max(K, 1))
	}
	target := b.enoughGroups()
	if tiles >= target {
		return 1
	}
	return max(1, min(ceilDiv(target, tiles), K/256, 64))
}

// matmulPlan returns the rank of dst and the product's sizes, and its
// batch axes coalesced to at most two levels (b1 outer, b2 inner) as
// parts over (dst, a, x).
func matmulPlan(dst, a, x backend.Strided) (r, M, N, K int, parts []part) {
	r = len(dst.Shape)
	M, N, K = dst.Shape[r-2], dst.Shape[r-1], a.Shape[r-1]
	batch := func(s backend.Strided) backend.Strided {
		return backend.Strided{Offset: s.Offset, Shape: s.Shape[:r-2], Strides: s.Strides[:r-2]}
	}
	parts = planRank(dst.Shape[:r-2], []backend.Strided{batch(dst), batch(a), batch(x)}, true, -1, 2)
	return r, M, N, K, parts
}

func (b *Backend) matmul(dst, a, x, bias backend.Strided, flags int) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	// 16-bit operands: the "16" builds, widened on load (scalar loads),
	// float32 sums, D rounded once (scalar stores)
	h16 := is16(dst.DType())
	r, M, N, K, parts := matmulPlan(dst, a, x)
	sAM, sAK := a.Strides[r-2], a.Strides[r-1]
	sBK, sBN := x.Strides[r-2], x.Strides[r-1]
	sDM, sDN := dst.Strides[r-2], dst.Strides[r-1]
	biasOff, biasSt := 0, 0
	if flags&mmBias != 0 {
		biasOff, biasSt = bias.Offset, bias.Strides[0]
	}
	zmax := int(b.info.MaxComputeWorkGroupCount[2])
	if zmax <= 0 || zmax > 65535 {
		zmax = 65535
	}
	for _, p := range parts {
		nb1, nb2 := p.shape[2], p.shape[3]
		v := b.pickVariant(M, N, K, nb1*nb2).fit(int(b.info.MaxComputeSharedMemorySize))
		splits := b.splitsFor(ceilDiv(M, v.bm)*ceilDiv(N, v.bn)*nb1*nb2, K)
		kSplit := ceilDiv(ceilDiv(K, splits), v.bk) * v.bk
		if K > 0 {
			splits = ceilDiv(K, kSplit)
		}
		if kSplit == 0 {
			kSplit = v.bk
		}
		// chunks of batches so that batches*splits fits the grid's z
		c2 := max(1, min(nb2, zmax/splits))
		c1 := 1
		if c2 == nb2 {
			c1 = max(1, min(nb1, zmax/(nb2*splits)))
		}
		for i1 := 0; i1 < nb1; i1 += c1 {
			for i2 := 0; i2 < nb2; i2 += c2 {
				n1, n2 := min(c1, nb1-i1), min(c2, nb2-i2)
				var off [3]int
				for k := 0; k < 3; k++ {
					off[k] = p.off[k] + i1*p.st[k][2] + i2*p.st[k][3]
				}
				ext := func(k, off, sm, sk, m, kk int) bool {
					hi := off + (m-1)*sm + (kk-1)*sk + (n1-1)*p.st[k][2] + (n2-1)*p.st[k][3]
					return hi <= maxElems
				}
				if !ext(0, off[0], sDM, sDN, M, N) || !ext(1, off[1], sAM, sAK, M, max(K, 1)) || !ext(2, off[2], sBK, sBN, max(K, 1), N) {
					b.fail(errTooLarge)
					return
				}
				pc := matmulPC{M: uint32(M), N: uint32(N), K: uint32(K),
					OffD: uint32(off[0]), OffA: uint32(off[1]), OffB: uint32(off[2]), OffBias: uint32(biasOff),
					SAM: uint32(sAM), SAK: uint32(sAK), SBK: uint32(sBK), SBN: uint32(sBN), SDM: uint32(sDM), SDN: uint32(sDN),
					Nb2: uint32(n2),
					SA1: uint32(p.st[1][2]), SA2: uint32(p.st[1][3]), SB1: uint32(p.st[2][2]), SB2: uint32(p.st[2][3]), SD1: uint32(p.st[0][2]), SD2: uint32(p.st[0][3]),
					KSplit: uint32(kSplit), Splits: uint32(splits), SBias: uint32(biasSt),
				}
				amode := uint32(0)
				if h16 {
					// scalar loads only: the mode with the unit stride fastest
					if sAK != 1 && sAM == 1 {
						amode = 1
					}
				} else if sAK != 1 && sAM == 1 {
					amode = 1
					if all4(off[1], sAK, M, p.st[1][2], p.st[1][3]) {
						amode = 3
					}
				} else if sAK == 1 && all4(off[1], sAM, K, p.st[1][2], p.st[1][3]) {
					amode = 2
				}
				bmode := uint32(0)
				if h16 {
					if sBN != 1 && sBK == 1 {
						bmode = 1
					}
				} else if sBN != 1 && sBK == 1 {
					bmode = 1
					if all4(off[2], sBN, K, p.st[2][2], p.st[2][3]) {
						bmode = 3
					}
				} else if sBN == 1 && all4(off[2], sBK, N, p.st[2][2], p.st[2][3]) {
					bmode = 2
				}
				f := flags
				if v.warps && (v.bm/v.tm)%4 == 0 && (v.bn/v.tn)%8 == 0 && v.wg()%32 == 0 {
					f |= mmWarps
				}
				if M%v.bm == 0 && N%v.bn == 0 && K%v.bk == 0 {
					f |= mmFull
				}
				// vec4 D: the float32 partials of split-K, or a float32 D
				if splits > 1 && N%4 == 0 || !h16 && splits == 1 && sDN == 1 && all4(off[0], sDM, N, p.st[0][2], p.st[0][3]) {
					f |= mmVecD
				}
				b.launchMatmul(v, amode, bmode, f, splits, pc, [3]uint32{uint32(ceilDiv(N, v.bn)), uint32(ceilDiv(M, v.bm)), uint32(n1 * n2 * splits)}, dst, a, x, bias)
			}
		}
	}
}

// kernel16 names the 16-bit build of the matmul build kernel
// (matmul16, matmul_8x4_16, ...).
func kernel16(kernel string) string {
	if kernel == "matmul" {
		return "matmul16"
	}
	return kernel + "_16"
}

func all4(v ...int) bool {
	for _, x := range v {
		if x%4 != 0 {
			return false
		}
	}
	return true
}

// launchMatmul records the matmul dispatch, and for split-K the reduction
// of the partial tiles through a scratch buffer.
func (b *Backend) launchMatmul(v variant, amode, bmode uint32, flags, splits int, pc matmulPC, groups [3]uint32, dst, a, x, bias backend.Strided) {
	biasRange := in(a) // any readable buffer when there is no bias
	if flags&mmBias != 0 {
		biasRange = in(bias)
	}
	// flags carries the kernel-only bits (full tiles, vec4 D) beside the
	// epilogue; splitk.comp gets only the epilogue bits
	kflags := flags &^ (mmFull | mmVecD | mmWarps)
	kernel, splitk, dt := v.kernel(), "splitk", uint32(0)
	if is16(dst.DType()) {
		kernel, splitk, dt = kernel16(kernel), "splitk16", uint32(dst.DType())
	}
	spec := func(f int) []uint32 {
		return specWords(&matmulSpec{Workgroup: uint32(v.wg()), BM: uint32(v.bm), BN: uint32(v.bn), BK: uint32(v.bk),
			AMode: amode, BMode: bmode, Flags: uint32(f), Swz: uint32(v.swz), DType: dt})
	}
	if splits == 1 {
		access := gpu.Write
		if flags&mmAccumulate != 0 {
			access = gpu.ReadWrite
		}
		pipe := b.pipeline(kernel, 4, spec(flags))
		b.dispatch(pipe, "matmul", pushBytes(&pc), groups, gbuf(dst.Buf).Range(0, 0, access), in(a), in(x), biasRange)
		return
	}
	M, N := int(pc.M), int(pc.N)
	batches := int(groups[2]) / splits
	scratch, err := b.alloc(splits * batches * M * N)
	if err != nil {
		b.fail(err)
		return
	}
	defer b.free(scratch) // reuse waits for the recorded work
	// the partials go to the scratch buffer, dense from 0; splitk.comp
	// sums them into D with the epilogue
	sp := splitkPC{M: pc.M, N: pc.N, Batches: uint32(batches), Splits: uint32(splits), Nb2: pc.Nb2,
		OffD: pc.OffD, OffP: 0, OffBias: pc.OffBias,
		SDM: pc.SDM, SDN: pc.SDN, SD1: pc.SD1, SD2: pc.SD2, SBias: pc.SBias}
	pc.OffD = 0
	pipe := b.pipeline(kernel, 4, spec(mmPartial|flags&(mmFull|mmVecD|mmWarps)))
	sc := backend.Strided{Buf: scratch}
	b.dispatch(pipe, "matmul", pushBytes(&pc), groups, out(sc), in(a), in(x), biasRange)
	access := gpu.Write
	if flags&mmAccumulate != 0 {
		access = gpu.ReadWrite
	}
	if flags&mmBias == 0 {
		biasRange = in(sc)
	}
	kp := b.pipeline(splitk, 3, specWords(&splitkSpec{Workgroup: ewGroup, Flags: uint32(kflags), DType: dt}))
	b.dispatch(kp, splitk, pushBytes(&sp), b.grid(batches*M*N, ewGroup), gbuf(dst.Buf).Range(0, 0, access), in(sc), biasRange)
}
