//go:build amd64 && !purego

package half

import "golang.org/x/sys/cpu"

var (
	hasF16C = cpu.X86.HasF16C && cpu.X86.HasAVX2 // the NaN fix-up uses AVX2
	hasAVX2 = cpu.X86.HasAVX2
)

//go:noescape
func f16sF16C(dst *uint16, src *float32, n int)

//go:noescape
func f16sToFloat32F16C(dst *float32, src *uint16, n int)

//go:noescape
func bf16sAVX2(dst *uint16, src *float32, n int)

//go:noescape
func bf16sToFloat32AVX2(dst *float32, src *uint16, n int)

// The simd functions convert the longest prefix of a multiple of 8
// elements they can and return its length (0 without the instructions).

func simdF16s(dst []uint16, src []float32) int {
	n := len(src) &^ 7
	if !hasF16C || n == 0 {
		return 0
	}
	f16sF16C(&dst[0], &src[0], n)
	return n
}

func simdF16sToFloat32(dst []float32, src []uint16) int {
	n := len(src) &^ 7
	if !hasF16C || n == 0 {
		return 0
	}
	f16sToFloat32F16C(&dst[0], &src[0], n)
	return n
}

func simdBF16s(dst []uint16, src []float32) int {
	n := len(src) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	bf16sAVX2(&dst[0], &src[0], n)
	return n
}

func simdBF16sToFloat32(dst []float32, src []uint16) int {
	n := len(src) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	bf16sToFloat32AVX2(&dst[0], &src[0], n)
	return n
}
