package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

const dtypesGolden = "testdata/dtypes.safetensors"

// u16s, u32s and u64s encode elements little-endian.
func u16s(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

func u64s(v ...uint64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b
}

// The file written by testdata/gen_dtypes.py (Python's struct and json
// only) reads with its dtypes and bits, and Write reproduces it byte for
// byte, the Python script following the reference layout.
func TestDTypesGolden(t *testing.T) {
	raw, err := os.ReadFile(dtypesGolden)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(dtypesGolden)
	if err != nil {
		t.Fatal(err)
	}
	m64 := uint64(1<<64 - 5) // -5
	want := map[string]Tensor{
		"i64":       {DType: I64, Shape: []int{3}, Data: u64s(1, m64, 1<<40)},
		"i64_small": {DType: I64, Shape: []int{2}, Data: u64s(7, 1<<64-1<<31)},
		"f32":       {DType: F32, Shape: []int{5}, Data: u32s(0x3f800000, 0x80000000, 1, 0xff800000, 0x7f800001)},
		"i32":       {DType: I32, Shape: []int{2, 2}, Data: u32s(1<<31, 1<<32-1, 0, 1<<31-1)},
		"bf16":      {DType: BF16, Shape: []int{4}, Data: u16s(0x3fc0, 0xff81, 1, 0x7f80)},
		"f16":       {DType: F16, Shape: []int{2, 4}, Data: u16s(0x3c00, 0xc000, 0x8000, 1, 0x7bff, 0x7c00, 0xfc00, 0x7e01)},
	}
	if !slices.Equal(f.Names, []string{"i64", "i64_small", "f32", "i32", "bf16", "f16"}) {
		t.Errorf("names %v", f.Names)
	}
	if f.Metadata["writer"] != "gen_dtypes.py" || len(f.Metadata) != 1 {
		t.Errorf("metadata %v", f.Metadata)
	}
	if len(f.Tensors) != len(want) {
		t.Errorf("%d tensors, want %d", len(f.Tensors), len(want))
	}
	for name, w := range want {
		g := f.Tensors[name]
		if g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("%s: got %s %v % x, want %s %v % x", name, g.DType, g.Shape, g.Data, w.DType, w.Shape, w.Data)
		}
		if !bytes.Equal(raw[g.Offset:g.Offset+int64(len(g.Data))], g.Data) {
			t.Errorf("%s: Offset %d does not locate its data", name, g.Offset)
		}
	}
	half, _ := f.Tensors["f16"].Float32()
	if half[0] != 1 || half[1] != -2 || half[4] != 65504 || half[3] != 1.0/(1<<24) || !math.IsInf(float64(half[5]), 1) {
		t.Errorf("f16 as float32: %v", half)
	}
	var again bytes.Buffer
	if err := Write(&again, f.Tensors, f.Metadata); err != nil || !bytes.Equal(again.Bytes(), raw) {
		t.Errorf("Write of the Python file's tensors differs from it (%v)", err)
	}
}

func TestConvertExamples(t *testing.T) {
	nan64 := math.Float64frombits(0x7ff0000000000001)
	for _, c := range []struct {
		name string
		in   Tensor
		to   DType
		want []byte
	}{
		{"I64 to I32 at the ends", Tensor{DType: I64, Shape: []int{3}, Data: u64s(1<<64-1<<31, 1<<31-1, 1<<64-1)}, I32, u32s(1<<31, 1<<31-1, 1<<32-1)},
		{"U8 to I32", Tensor{DType: U8, Shape: []int{3}, Data: []byte{0, 7, 255}}, I32, u32s(0, 7, 255)},
		{"U8 to F32", Tensor{DType: U8, Shape: []int{2}, Data: []byte{1, 255}}, F32, u32s(0x3f800000, 0x437f0000)},
		{"BOOL to F16", Tensor{DType: BOOL, Shape: []int{2}, Data: []byte{1, 0}}, F16, u16s(0x3c00, 0)},
		{"I8 and I16 to I32", Tensor{DType: I16, Shape: []int{2}, Data: u16s(0x8000, 5)}, I32, u32s(1<<32-1<<15, 5)},
		// 2^24+1 ties to 2^24 (even), 2^24+3 to 2^24+4; -2^63 and 2^64-1 round to powers of two.
		{"I64 to F32 rounds once", Tensor{DType: I64, Shape: []int{2}, Data: u64s(1<<24+1, 1<<24+3)}, F32, u32s(0x4b800000, 0x4b800002)},
		{"I64 min to F32", Tensor{DType: I64, Shape: []int{1}, Data: u64s(1 << 63)}, F32, u32s(0xdf000000)},
		{"U64 max to BF16", Tensor{DType: U64, Shape: []int{1}, Data: u64s(1<<64 - 1)}, BF16, u16s(0x5f80)},
		// 65519 rounds down to 65504; 2049 ties to 2048 and 2051 to 2052.
		{"I32 to F16", Tensor{DType: I32, Shape: []int{3}, Data: u32s(65519, 2049, 2051)}, F16, u16s(0x7bff, 0x6800, 0x6802)},
		// 0.1, -0, an F64 subnormal underflowing to -0, MaxFloat32, -Inf, NaN.
		{"F64 to F32", Tensor{DType: F64, Shape: []int{6}, Data: u64s(math.Float64bits(0.1), 1<<63, 1<<63|1, math.Float64bits(math.MaxFloat32), math.Float64bits(math.Inf(-1)), math.Float64bits(nan64))},
			F32, u32s(math.Float32bits(0.1), 1<<31, 1<<31, 0x7f7fffff, 0xff800000, 0x7fc00000)},
		// F32's smallest subnormal underflows to 0 in F16 and stays in BF16;
		// 2^-25 is half of F16's smallest subnormal: ties to even, 0;
		// 3·2^-26 rounds up to it.
		{"F32 to F16 subnormals", Tensor{DType: F32, Shape: []int{4}, Data: u32s(1, 0x33000000, 0x33400000, 0x387fc000)}, F16, u16s(0, 0, 1, 0x03ff)},
		{"F32 to BF16", Tensor{DType: F32, Shape: []int{4}, Data: u32s(1, 0x3f808000, 0x3f818000, 0xffc00001)}, BF16, u16s(0, 0x3f80, 0x3f82, 0xffc0)},
		{"F16 to F32 exact", Tensor{DType: F16, Shape: []int{3}, Data: u16s(0x8001, 0xfc00, 0x7bff)}, F32, u32s(0xb3800000, 0xff800000, 0x477fe000)},
		{"F16 NaN to BF16", Tensor{DType: F16, Shape: []int{1}, Data: u16s(0xfe01)}, BF16, u16s(0xffc0)},
		{"BF16 to F16", Tensor{DType: BF16, Shape: []int{2}, Data: u16s(0x3fc0, 0x0001)}, F16, u16s(0x3e00, 0)},
		// F8_E4M3FN: 448 (its largest), 2^-9 (smallest subnormal), 1, NaN.
		{"F8_E4M3 to F32", Tensor{DType: F8E4M3, Shape: []int{4}, Data: []byte{0x7e, 0x01, 0x38, 0xff}}, F32, u32s(0x43e00000, 0x3b000000, 0x3f800000, 0xffc00000)},
		// F8_E5M2: 1, -Inf, the smallest subnormal 2^-16.
		{"F8_E5M2 to F16", Tensor{DType: F8E5M2, Shape: []int{3}, Data: []byte{0x3c, 0xfc, 0x01}}, F16, u16s(0x3c00, 0xfc00, 0x0100)},
		{"empty", Tensor{DType: I64, Shape: []int{0, 3}, Data: nil}, I32, []byte{}},
	} {
		got, err := c.in.Convert(c.to)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.DType != c.to || !slices.Equal(got.Shape, c.in.Shape) || !bytes.Equal(got.Data, c.want) {
			t.Errorf("%s: got %s %v % x, want % x", c.name, got.DType, got.Shape, got.Data, c.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    Tensor
		to    DType
		index int
		msg   string
	}{
		{"I64 above int32", Tensor{DType: I64, Shape: []int{3}, Data: u64s(1, 2, 1<<40)}, I32, 2, "element 2 (1099511627776): outside the int32 range"},
		{"I64 below int32", Tensor{DType: I64, Shape: []int{1}, Data: u64s(1<<64 - 1<<31 - 1)}, I32, 0, "element 0 (-2147483649): outside"},
		{"U32 above int32", Tensor{DType: U32, Shape: []int{1}, Data: u32s(1 << 31)}, I32, 0, "(2147483648): outside"},
		{"U64 max", Tensor{DType: U64, Shape: []int{1}, Data: u64s(1<<64 - 1)}, I32, 0, "(18446744073709551615)"},
		{"BOOL 2", Tensor{DType: BOOL, Shape: []int{2}, Data: []byte{1, 2}}, I32, 1, "element 1 (2): a BOOL element must be 0 or 1"},
		{"F64 beyond F32", Tensor{DType: F64, Shape: []int{2}, Data: u64s(0, math.Float64bits(-1e39))}, F32, 1, "element 1 (-1e+39): beyond the largest finite F32"},
		{"F32 beyond F16", Tensor{DType: F32, Shape: []int{1}, Data: u32s(math.Float32bits(65520))}, F16, 0, "(65520): beyond the largest finite F16 value 65504"},
		{"I32 beyond F16", Tensor{DType: I32, Shape: []int{1}, Data: u32s(1 << 20)}, F16, 0, "(1048576): beyond"},
		{"F64 beyond BF16", Tensor{DType: F64, Shape: []int{1}, Data: u64s(math.Float64bits(math.MaxFloat32))}, BF16, 0, "beyond the largest finite BF16"},
		{"float to int", Tensor{DType: F16, Shape: []int{1}, Data: u16s(0x3c00)}, I32, -1, "float to integer conversion would round"},
		{"target", Tensor{DType: F32, Shape: []int{1}, Data: u32s(0)}, I64, -1, `the target must be F32, F16, BF16 or I32, not "I64"`},
		{"bad data", Tensor{DType: F64, Shape: []int{2}, Data: u64s(0)}, F32, -1, "needs 16 data bytes, Data has 8"},
		{"unknown", Tensor{DType: "Q4", Shape: []int{1}, Data: []byte{0}}, F32, -1, `unknown dtype "Q4"`},
	} {
		_, err := c.in.Convert(c.to)
		var ce *ConvertError
		if !errors.As(err, &ce) || ce.Index != c.index || ce.From != c.in.DType || ce.To != c.to || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want a *ConvertError at element %d with %q", c.name, err, c.index, c.msg)
		}
	}
	same := Tensor{DType: BF16, Shape: []int{1}, Data: u16s(0x7fc1)}
	if got, err := same.Convert(BF16); err != nil || &got.Data[0] != &same.Data[0] {
		t.Errorf("Convert to the same dtype copied or failed: %v", err)
	}
}

// bigRound rounds x to p significant bits, ties to even (no range).
func bigRound(x float64, p uint) float64 {
	r, _ := new(big.Float).SetPrec(p).SetMode(big.ToNearestEven).SetFloat64(x).Float64()
	return r
}

// Random values convert as Go's float32 conversion and math/big round
// them, in the normal ranges (where big.Float's unbounded exponent agrees).
func TestConvertRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	xs := make([]float64, n)
	for i := range xs {
		// A random sign and significand, |x| in [2^-14, 2^15).
		exp := uint64(1023 + rng.IntN(29) - 14)
		xs[i] = math.Float64frombits(rng.Uint64()&(1<<63|1<<52-1) | exp<<52)
		if rng.IntN(4) == 0 { // ties and near-ties: few significant bits
			xs[i] = bigRound(xs[i], uint(9+rng.IntN(5)))
		}
	}
	in := Tensor{DType: F64, Shape: []int{n}, Data: make([]byte, 8*n)}
	for i, x := range xs {
		binary.LittleEndian.PutUint64(in.Data[8*i:], math.Float64bits(x))
	}
	f32, err := in.Convert(F32)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := in.Convert(BF16)
	if err != nil {
		t.Fatal(err)
	}
	var limited []float64 // within F16's range
	for _, x := range xs {
		if math.Abs(bigRound(x, 11)) <= 65504 {
			limited = append(limited, x)
		}
	}
	in16 := Tensor{DType: F64, Shape: []int{len(limited)}, Data: make([]byte, 8*len(limited))}
	for i, x := range limited {
		binary.LittleEndian.PutUint64(in16.Data[8*i:], math.Float64bits(x))
	}
	f16, err := in16.Convert(F16)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		if got, want := binary.LittleEndian.Uint32(f32.Data[4*i:]), math.Float32bits(float32(x)); got != want {
			t.Fatalf("F64 %g to F32: %#x, want %#x", x, got, want)
		}
		got := math.Float32frombits(uint32(binary.LittleEndian.Uint16(bf.Data[2*i:])) << 16)
		if want := bigRound(x, 8); float64(got) != want {
			t.Fatalf("F64 %g to BF16: %g, want %g", x, got, want)
		}
	}
	for i, x := range limited {
		got := halfToFloat32(binary.LittleEndian.Uint16(f16.Data[2*i:]))
		if want := bigRound(x, 11); float64(got) != want {
			t.Fatalf("F64 %g to F16: %g, want %g", x, got, want)
		}
	}
	// Every F16 converts to F32 and back unchanged, NaNs to quiet NaNs.
	all := Tensor{DType: F16, Shape: []int{1 << 16}, Data: make([]byte, 2<<16)}
	for h := range 1 << 16 {
		binary.LittleEndian.PutUint16(all.Data[2*h:], uint16(h))
	}
	wide, err := all.Convert(F32)
	if err != nil {
		t.Fatal(err)
	}
	back, err := wide.Convert(F16)
	if err != nil {
		t.Fatal(err)
	}
	for h := range 1 << 16 {
		got := binary.LittleEndian.Uint16(back.Data[2*h:])
		want := uint16(h)
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			want = uint16(h)&0x8000 | 0x7e00
		}
		if got != want {
			t.Fatalf("F16 %#04x through F32: %#04x, want %#04x", h, got, want)
		}
	}
}
