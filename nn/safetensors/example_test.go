package safetensors_test

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vktensor/vktensor/nn/safetensors"
)

func ExampleTensor_Convert() {
	var data []byte
	for _, v := range []float64{0.1, 70000} {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	t := safetensors.Tensor{DType: safetensors.F64, Shape: []int{2}, Data: data}
	f32, _ := t.Convert(safetensors.F32)
	v, _ := f32.Float32()
	fmt.Println(f32.DType, v)
	_, err := t.Convert(safetensors.F16)
	fmt.Println(err)
	// Output:
	// F32 [0.1 70000]
	// safetensors: converting F64 to F16: element 1 (70000): beyond the largest finite F16 value 65504
}
