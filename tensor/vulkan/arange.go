package vulkan

import (
	"math"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// arangeCall is the gen.comp launch of Arange: start and step travel as
// their float64 bits in p0..p3, and the kernel computes start + i*step
// with float64 rounding in integer arithmetic, so the result is the CPU's
// to the bit on every device.
func arangeCall(dst backend.Strided, start, step float64) ewCall {
	s, t := math.Float64bits(start), math.Float64bits(step)
	return ewCall{kernel: "gen", op: 1, dst: dst,
		extra: [4]uint32{uint32(s), uint32(s >> 32), uint32(t), uint32(t >> 32)},
		keep:  -1, dstAccess: gpu.Write}
}
