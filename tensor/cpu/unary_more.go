package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
)

// moreUnaryFunc returns the scalar function of the rounding and
// trigonometric ops, or nil for any other op. Like unaryFunc it computes
// in float64 and rounds once: Floor, Ceil, Round and Trunc of a float32
// are float32s, so they are exact (−0, ±Inf and NaN pass through, values of
// 2^23 and above are already integers); Sin, Cos and Erf are Go's math
// functions (Sin and Cos reduce huge arguments exactly, by Payne–Hanek),
// within about half an ulp of float32 after the one rounding.
func moreUnaryFunc(op backend.UnaryOp) func(float32) float32 {
	switch op {
	case backend.Floor:
		return func(x float32) float32 { return float32(math.Floor(float64(x))) }
	case backend.Ceil:
		return func(x float32) float32 { return float32(math.Ceil(float64(x))) }
	case backend.Round:
		return func(x float32) float32 { return float32(math.RoundToEven(float64(x))) }
	case backend.Trunc:
		return func(x float32) float32 { return float32(math.Trunc(float64(x))) }
	case backend.Sin:
		return func(x float32) float32 { return float32(math.Sin(float64(x))) }
	case backend.Cos:
		return func(x float32) float32 { return float32(math.Cos(float64(x))) }
	case backend.Erf:
		return func(x float32) float32 { return float32(math.Erf(float64(x))) }
	}
	return nil
}
