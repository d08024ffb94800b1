package vulkan

import (
	"fmt"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Reduced-precision matrix products on tensor cores (backend.PreciseMatMul):
// shaders/coop_scale.comp computes the power-of-two scale of every row of
// A and column of B, then shaders/matmul_coop.comp multiplies through
// VK_NV_cooperative_matrix. Devices without it (lavapipe, and any device
// whose subgroups are not 32 wide) report only PrecisionHighest, and the
// tensor package falls back to it.

// matmulCoopPC is matmul_coop.comp's block.
type matmulCoopPC struct {
	M, N, K                      uint32
	OffD, OffA, OffB, OffBias    uint32
	SAM, SAK, SBK, SBN, SDM, SDN uint32
	Nb2                          uint32
	SA1, SA2, SB1, SB2, SD1, SD2 uint32
	OffRS, OffCS                 uint32 // scales: rows of A, then columns of B
	SBias                        uint32
}

// coopScalePC is coop_scale.comp's block.
type coopScalePC struct {
	Lines, R, L, Nb2    uint32
	Off, S1, S2, SR, SL uint32
	OffOut              uint32
}

// matmulCoopSpec specializes matmul_coop.comp (its workgroup size is
// fixed at 128).
type matmulCoopSpec struct {
	_     uint32
	High  uint32 // 1: PrecisionHigh's split, 0: PrecisionMedium
	Flags uint32 // bit 0 accumulate, bit 1 bias, bit 2 ReLU
}

// coopScaleSpec specializes coop_scale.comp.
type coopScaleSpec struct {
	Workgroup uint32
}

func init() {
	kernelABIs["matmul_coop"] = kernelABI{matmulCoopPC{}, matmulCoopSpec{}}
	kernelABIs["coop_scale"] = kernelABI{coopScalePC{}, coopScaleSpec{}}
}

// matmul_coop's tile and workgroup (fixed in the shader).
const (
	coopTile  = 64
	coopGroup = 128 // fixed in the shader
	scaleWG   = 256
)

// coopOK reports whether the device runs matmul_coop: NV cooperative
// matrices, float16 arithmetic, subgroups of 32 (the shader's four
// subgroups per workgroup) and 32 KiB of shared memory.
func (b *Backend) coopOK() bool {
	i := b.info
	return i.CooperativeMatrixNV && i.Float16 && i.SubgroupSize == 32 &&
		i.MaxComputeSharedMemorySize >= 32<<10 && i.MaxComputeWorkGroupInvocations >= coopGroup
}

// HasPrecision reports whether MatMulAt computes p: PrecisionHighest
// always, the reduced ones where the device has tensor cores (coopOK).
func (b *Backend) HasPrecision(p backend.Precision) bool {
	return p == backend.PrecisionHighest || b.coopOK()
}

// MatMulAt is MatMul at precision p.
func (b *Backend) MatMulAt(dst, a, x backend.Strided, accumulate bool, p backend.Precision) {
	defer b.exit()
	if !b.enter("MatMulAt", 1, dst, a, x) {
		return
	}
	if p == backend.PrecisionHighest || !b.coopOK() {
		flags := 0
		if accumulate {
			flags = mmAccumulate
		}
		b.matmul(dst, a, x, backend.Strided{}, flags)
		return
	}
	b.matmulCoop(dst, a, x, p, accumulate)
}

// coopScales records coop_scale.comp: sc[out+l] is the scale of line l of
// src, lines of L elements with stride sL, line l = batch·R + r starting at
// off + b1·s1 + b2·s2 + r·sR (batch = b1·nb2 + b2).
func (b *Backend) coopScales(sc *gpu.Buffer, src backend.Strided, lines, R, L, nb2, off, s1, s2, sR, sL, out int) {
	pc := coopScalePC{Lines: uint32(lines), R: uint32(R), L: uint32(L), Nb2: uint32(nb2),
		Off: uint32(off), S1: uint32(s1), S2: uint32(s2), SR: uint32(sR), SL: uint32(sL), OffOut: uint32(out)}
	pipe := b.pipeline("coop_scale", 2, specWords(&coopScaleSpec{Workgroup: scaleWG}))
	b.dispatch(pipe, "coop_scale", pushBytes(&pc), b.grid(lines*scaleWG, scaleWG), sc.Range(0, 0, gpu.Write), in(src))
}

func (b *Backend) matmulCoop(dst, a, x backend.Strided, p backend.Precision, accumulate bool) {
	if b.err != nil || dst.Size() == 0 {
		return
	}
	r, M, N, K, parts := matmulPlan(dst, a, x)
	for _, pt := range parts {
		nb1, nb2 := pt.shape[2], pt.shape[3]
		batches := nb1 * nb2
		if batches > 65535 || !pt.fits32(3) || M*N > maxElems || (M+N)*batches > maxElems {
			b.fail(fmt.Errorf("vulkan: MatMulAt of %d matrices of %d×%d: %w", batches, M, N, errTooLarge))
			return
		}
		scales, err := b.alloc(batches * (M + N))
		if err != nil {
			b.fail(err)
			return
		}
		sc := gbuf(scales)
		// Scales of A's rows (lines of K elements with stride sAK) and of
		// B's columns (stride sBK), batch by batch.
		b.coopScales(sc, a, batches*M, M, K, nb2, pt.off[1], pt.st[1][2], pt.st[1][3], a.Strides[r-2], a.Strides[r-1], 0)
		b.coopScales(sc, x, batches*N, N, K, nb2, pt.off[2], pt.st[2][2], pt.st[2][3], x.Strides[r-1], x.Strides[r-2], batches*M)

		high, flags := uint32(0), uint32(0)
		if p == backend.PrecisionHigh {
			high = 1
		}
		dacc := gpu.Write
		if accumulate {
			flags |= 1
			dacc = gpu.ReadWrite
		}
		pc := matmulCoopPC{M: uint32(M), N: uint32(N), K: uint32(K),
			OffD: uint32(pt.off[0]), OffA: uint32(pt.off[1]), OffB: uint32(pt.off[2]),
			SAM: uint32(a.Strides[r-2]), SAK: uint32(a.Strides[r-1]), SBK: uint32(x.Strides[r-2]), SBN: uint32(x.Strides[r-1]),
			SDM: uint32(dst.Strides[r-2]), SDN: uint32(dst.Strides[r-1]), Nb2: uint32(nb2),
			SA1: uint32(pt.st[1][2]), SA2: uint32(pt.st[1][3]), SB1: uint32(pt.st[2][2]), SB2: uint32(pt.st[2][3]),
			SD1: uint32(pt.st[0][2]), SD2: uint32(pt.st[0][3]), OffRS: 0, OffCS: uint32(batches * M)}
		pipe := b.pipeline("matmul_coop", 5, specWords(&matmulCoopSpec{High: high, Flags: flags}))
		groups := [3]uint32{uint32(ceilDiv(N, coopTile)), uint32(ceilDiv(M, coopTile)), uint32(batches)}
		b.dispatch(pipe, "matmul_coop", pushBytes(&pc), groups,
			gbuf(dst.Buf).Range(0, 0, dacc), in(a), in(x), sc.In(), sc.In()) // no bias: the scales stand in at binding 4
		b.free(scales)
	}
}
