package nn_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
)

// Tensors keep their dtype through a file; an I64 tensor (as PyTorch
// writes token ids) needs a named conversion, which fails on a value
// beyond int32.
func ExampleLoadTensors() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "w.safetensors")
	w := tensor.FromSlice([]float32{1, 0.1, -2}, 3).AsType(tensor.BFloat16)
	ids := tensor.FromInt32s([]int32{7, -1})
	if err := nn.SaveTensors(path, map[string]*tensor.Tensor{"w": w, "ids": ids}, nil); err != nil {
		panic(err)
	}
	ts, _, err := nn.LoadTensors(path, nil)
	if err != nil {
		panic(err)
	}
	wv, _ := ts["w"].Data()
	iv, _ := ts["ids"].Int32s()
	fmt.Println(ts["w"].DType(), wv)
	fmt.Println(ts["ids"].DType(), iv)

	i64 := filepath.Join(dir, "i64.safetensors")
	data := binary.LittleEndian.AppendUint64(nil, 5)
	data = binary.LittleEndian.AppendUint64(data, 1<<40)
	if err := safetensors.WriteFile(i64, map[string]safetensors.Tensor{"tokens": {DType: safetensors.I64, Shape: []int{2}, Data: data}}, nil); err != nil {
		panic(err)
	}
	_, _, err = nn.LoadTensors(i64, nil)
	fmt.Println(strings.ReplaceAll(err.Error(), dir, "DIR"))
	_, _, err = nn.LoadTensors(i64, nil, nn.ConvertDType(safetensors.I64, tensor.Int32))
	fmt.Println(strings.ReplaceAll(err.Error(), dir, "DIR"))
	ts, _, _ = nn.LoadTensors(i64, nil, nn.ConvertDType(safetensors.I64, tensor.Float32))
	tv, _ := ts["tokens"].Data()
	fmt.Println(ts["tokens"].DType(), tv)
	// Output:
	// bfloat16 [1 0.100097656 -2]
	// int32 [7 -1]
	// nn.LoadTensors: DIR/i64.safetensors: tensor "tokens" is I64, which has no tensor dtype; load it with a conversion such as nn.ConvertDType(safetensors.I64, tensor.Int32) (exact, range-checked) or tensor.Float32 (rounded)
	// nn.LoadTensors: DIR/i64.safetensors: tensor "tokens": offset 80: safetensors: converting I64 to I32: element 1 (1099511627776): outside the int32 range [-2147483648, 2147483647]
	// float32 [5 1.0995116e+12]
}
