//go:build !amd64 || purego

package half

func simdF16s([]uint16, []float32) int          { return 0 }
func simdF16sToFloat32([]float32, []uint16) int { return 0 }
func simdBF16s([]uint16, []float32) int         { return 0 }
func simdBF16sToFloat32([]float32, []uint16) int {
	return 0
}
