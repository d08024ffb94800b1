package nn

import (
	"bytes"
	"encoding/binary"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
)

// paramSet is a Module of given parameters, for loading into parameters
// of any dtype.
type paramSet []Param

func (ps paramSet) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (ps paramSet) NamedParameters() []Param                { return ps }
func (ps paramSet) Train(bool)                              {}
func (ps paramSet) Parameters() []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, p := range ps {
		out = append(out, p.Tensor)
	}
	return out
}

func le16(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

func le32(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

// special holds, per dtype, elements whose bits must survive: NaNs with
// payloads (quiet and signalling, both signs), ±Inf, the smallest and
// largest subnormals, -0, the extremes.
var special = map[tensor.DType][]byte{
	tensor.Float16:  le16(0x7e01, 0xfd55, 0x7c00, 0xfc00, 0x0001, 0x83ff, 0x8000, 0x7bff, 0x3c00, 0xc000),
	tensor.BFloat16: le16(0x7fc1, 0xff81, 0x7f80, 0xff80, 0x0001, 0x807f, 0x8000, 0x7f7f, 0x3f80, 0xc000),
	tensor.Float32:  le32(0x7fc00001, 0xff800001, 0x7f800000, 0xff800000, 1, 0x807fffff, 0x80000000, 0x7f7fffff, 0x3f800000, 0xc0000000),
	tensor.Int32:    le32(1<<31, 1<<31-1, 1<<32-1, 0, 1, 2, 3, 4, 5, 6),
}

func bytesOf(t *testing.T, x *tensor.Tensor) []byte {
	t.Helper()
	b, err := x.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Tensors of every dtype are written in their dtype and read back with
// the same bits; shapes include a scalar and an empty tensor.
func TestSaveTensorsRoundTrip(t *testing.T) {
	dev := tensor.CPU()
	path := filepath.Join(t.TempDir(), "t.safetensors")
	ts := map[string]*tensor.Tensor{}
	wantFile := map[string]safetensors.DType{}
	for dt, b := range special {
		name := dt.String()
		ts[name] = dev.FromBytes(dt, b, 2, 5)
		ts[name+".T"] = dev.FromBytes(dt, b, 2, 5).T() // a non-contiguous view
		ts[name+".scalar"] = dev.FromBytes(dt, b[:dt.Size()])
		ts[name+".empty"] = dev.FromBytes(dt, nil, 0, 3)
		for _, s := range []string{"", ".T", ".scalar", ".empty"} {
			wantFile[name+s] = fileDTypes[dt]
		}
	}
	meta := map[string]string{"k": "v"}
	if err := SaveTensors(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range wantFile {
		if got := f.Tensors[name].DType; got != want {
			t.Errorf("%s written as %s, want %s", name, got, want)
		}
	}
	if !bytes.Equal(f.Tensors["float16"].Data, special[tensor.Float16]) || !bytes.Equal(f.Tensors["bfloat16"].Data, special[tensor.BFloat16]) {
		t.Error("the file's F16/BF16 bytes are not the tensors' bits")
	}
	got, gotMeta, err := LoadTensors(path, dev)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ts) || gotMeta["k"] != "v" {
		t.Fatalf("loaded %d tensors (want %d), metadata %v", len(got), len(ts), gotMeta)
	}
	for name, want := range ts {
		g := got[name]
		if g == nil || g.DType() != want.DType() || !slices.Equal(g.Shape(), want.Shape()) || !bytes.Equal(bytesOf(t, g), bytesOf(t, want)) {
			t.Errorf("%s: got %v, want %s %v % x", name, g, want.DType(), want.Shape(), bytesOf(t, want))
		}
	}
}

const pythonGolden = "safetensors/testdata/dtypes.safetensors" // see gen_dtypes.py there

// The file written by Python's struct and json loads with the right
// dtypes and bits; its I64 tensors need a named conversion.
func TestLoadTensorsPythonFile(t *testing.T) {
	_, _, err := LoadTensors(pythonGolden, nil)
	if err == nil || !strings.Contains(err.Error(), `tensor "i64" is I64, which has no tensor dtype`) || !strings.Contains(err.Error(), "nn.ConvertDType(safetensors.I64, tensor.Int32)") || !strings.Contains(err.Error(), pythonGolden) {
		t.Errorf("I64 without a conversion: %v", err)
	}
	// I64 to Int32: 2^40 in "i64" is out of range; the error names the
	// file, the tensor, the element's file offset and value.
	_, _, err = LoadTensors(pythonGolden, nil, ConvertDType(safetensors.I64, tensor.Int32))
	f, rerr := safetensors.ReadFile(pythonGolden)
	if rerr != nil {
		t.Fatal(rerr)
	}
	off := f.Tensors["i64"].Offset + 16
	if want := pythonGolden + `: tensor "i64": offset ` + strconv.FormatInt(off, 10) + ": safetensors: converting I64 to I32: element 2 (1099511627776): outside the int32 range"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("I64 out of range: %v, want %q", err, want)
	}
	ts, meta, err := LoadTensors(pythonGolden, nil, ConvertDType(safetensors.I64, tensor.Float32))
	if err != nil {
		t.Fatal(err)
	}
	if meta["writer"] != "gen_dtypes.py" {
		t.Errorf("metadata %v", meta)
	}
	for name, want := range map[string]struct {
		dt    tensor.DType
		shape []int
		bits  []byte
	}{
		"f16":       {tensor.Float16, []int{2, 4}, le16(0x3c00, 0xc000, 0x8000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e01)},
		"bf16":      {tensor.BFloat16, []int{4}, le16(0x3fc0, 0xff81, 0x0001, 0x7f80)},
		"i32":       {tensor.Int32, []int{2, 2}, le32(1<<31, 1<<32-1, 0, 1<<31-1)},
		"f32":       {tensor.Float32, []int{5}, le32(0x3f800000, 0x80000000, 1, 0xff800000, 0x7f800001)},
		"i64":       {tensor.Float32, []int{3}, le32(math.Float32bits(1), math.Float32bits(-5), math.Float32bits(1<<40))},
		"i64_small": {tensor.Float32, []int{2}, le32(math.Float32bits(7), math.Float32bits(-(1 << 31)))},
	} {
		g := ts[name]
		if g == nil || g.DType() != want.dt || !slices.Equal(g.Shape(), want.shape) || !bytes.Equal(bytesOf(t, g), want.bits) {
			t.Errorf("%s: got %v, want %s %v % x", name, g, want.dt, want.shape, want.bits)
		}
	}
	// A conversion may also change a dtype that loads as it is.
	ts, _, err = LoadTensors(pythonGolden, nil, ConvertDType(safetensors.I64, tensor.Float32), ConvertDType(safetensors.F32, tensor.BFloat16))
	if err != nil {
		t.Fatal(err)
	}
	if g := ts["f32"]; g.DType() != tensor.BFloat16 || !bytes.Equal(bytesOf(t, g), le16(0x3f80, 0x8000, 0, 0xff80, 0x7fc0)) {
		t.Errorf("F32 as BFloat16: %s % x", g.DType(), bytesOf(t, g))
	}
	if _, _, err := LoadTensors(pythonGolden, nil, ConvertDType(safetensors.I64, tensor.DType(99))); err == nil || !strings.Contains(err.Error(), "not a tensor dtype") {
		t.Errorf("conversion to an invalid dtype: %v", err)
	}
	// A file of the in-range I64 tensor loads as Int32 exactly.
	small := filepath.Join(t.TempDir(), "ids.safetensors")
	if err := safetensors.WriteFile(small, map[string]safetensors.Tensor{"ids": f.Tensors["i64_small"]}, nil); err != nil {
		t.Fatal(err)
	}
	ids, _, err := LoadTensors(small, nil, ConvertDType(safetensors.I64, tensor.Int32))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ids["ids"].Int32s(); err != nil || ids["ids"].DType() != tensor.Int32 || !slices.Equal(v, []int32{7, math.MinInt32}) {
		t.Errorf("ids = %v (%v)", v, err)
	}
}

// Save writes parameters in their dtypes, and Load converts between float
// dtypes into the parameter's dtype (exact widening, rounding narrowing),
// refuses int/float mixes and out-of-range values, and checks shapes.
func TestLoadIntoParameterDTypes(t *testing.T) {
	dev := tensor.CPU()
	dir := t.TempDir()
	vals := []float32{1, -2.5, 1.0 / 3, 1e-40, float32(math.Inf(-1)), 65504}
	f32 := dev.FromSlice(vals, 2, 3)
	model := func(dt tensor.DType) paramSet {
		return paramSet{{"w", dev.ZerosOf(dt, 2, 3)}}
	}
	save := func(name string, x *tensor.Tensor) string {
		p := filepath.Join(dir, name)
		if err := Save(p, paramSet{{"w", x}}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pF32 := save("f32.safetensors", f32)
	pBF16 := save("bf16.safetensors", f32.AsType(tensor.BFloat16))
	if f, err := safetensors.ReadFile(pBF16); err != nil || f.Tensors["w"].DType != safetensors.BF16 {
		t.Fatalf("a BFloat16 parameter was not saved as BF16 (%v)", err)
	}
	for _, c := range []struct {
		file string
		into tensor.DType
		want *tensor.Tensor // the parameter's bits after loading
	}{
		{pF32, tensor.Float32, f32},
		{pF32, tensor.BFloat16, f32.AsType(tensor.BFloat16)}, // rounded as AsType rounds
		{pBF16, tensor.BFloat16, f32.AsType(tensor.BFloat16)},
		{pBF16, tensor.Float32, f32.AsType(tensor.BFloat16).AsType(tensor.Float32)}, // exact widening
		{pF32, tensor.Float16, f32.AsType(tensor.Float16)},
	} {
		m := model(c.into)
		w := m[0].Tensor
		if err := Load(c.file, m); err != nil {
			t.Errorf("%s into %s: %v", filepath.Base(c.file), c.into, err)
			continue
		}
		if m[0].Tensor != w || w.DType() != c.into || !bytes.Equal(bytesOf(t, w), bytesOf(t, c.want)) {
			t.Errorf("%s into %s: % x, want % x", filepath.Base(c.file), c.into, bytesOf(t, w), bytesOf(t, c.want))
		}
	}
	// 1e6 has no Float16: an error naming file, tensor, offset and value.
	big := save("big.safetensors", dev.FromSlice([]float32{1, 1e6}, 2))
	m := paramSet{{"w", dev.OnesOf(tensor.Float16, 2)}}
	err := Load(big, m)
	if err == nil || !strings.Contains(err.Error(), big+`: tensor "w": offset `) || !strings.Contains(err.Error(), "element 1 (1e+06): beyond the largest finite F16 value 65504") {
		t.Errorf("1e6 into Float16: %v", err)
	}
	if v, _ := m[0].Tensor.Data(); !slices.Equal(v, []float32{1, 1}) {
		t.Errorf("a failed Load changed the parameter: %v", v)
	}
	// Int32 and float do not mix; F64 needs a named conversion; shapes stay checked.
	ints := save("i32.safetensors", dev.FromInt32s([]int32{1, 2, 3, 4, 5, 6}, 2, 3))
	if err := Load(ints, model(tensor.Float32)); err == nil || !strings.Contains(err.Error(), `tensor "w" is I32 (loading as int32), the parameter float32`) {
		t.Errorf("I32 into Float32: %v", err)
	}
	if err := Load(pF32, paramSet{{"w", dev.ZerosOf(tensor.Int32, 2, 3)}}); err == nil || !strings.Contains(err.Error(), "only float dtypes convert") {
		t.Errorf("F32 into Int32: %v", err)
	}
	f64 := filepath.Join(dir, "f64.safetensors")
	d64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1))
	if err := safetensors.WriteFile(f64, map[string]safetensors.Tensor{"w": {DType: safetensors.F64, Shape: []int{1}, Data: d64}}, nil); err != nil {
		t.Fatal(err)
	}
	one := func(dt tensor.DType) paramSet { return paramSet{{"w", dev.ZerosOf(dt, 1)}} }
	if err := Load(f64, one(tensor.Float32)); err == nil || !strings.Contains(err.Error(), "is F64, which has no tensor dtype; load it with a conversion such as nn.ConvertDType(safetensors.F64, tensor.Float32)") {
		t.Errorf("F64 without a conversion: %v", err)
	}
	m = one(tensor.BFloat16)
	if err := Load(f64, m, ConvertDType(safetensors.F64, tensor.BFloat16)); err != nil {
		t.Fatal(err)
	}
	if b := bytesOf(t, m[0].Tensor); !bytes.Equal(b, le16(0x3dcd)) { // 0.1 rounded once to bfloat16
		t.Errorf("F64 0.1 into BFloat16: % x", b)
	}
	if err := Load(pF32, paramSet{{"w", dev.ZerosOf(tensor.BFloat16, 3, 2)}}); err == nil || !strings.Contains(err.Error(), "has shape [2 3], the parameter [3 2]") {
		t.Errorf("shape: %v", err)
	}
}

// A checkpoint keeps parameters of every float dtype bit for bit, and
// loads them into parameters of another float dtype by conversion.
func TestCheckpointDTypes(t *testing.T) {
	dev := tensor.CPU()
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	a := paramSet{
		{"h", dev.FromBytes(tensor.Float16, special[tensor.Float16], 10)},
		{"b", dev.FromBytes(tensor.BFloat16, special[tensor.BFloat16], 10)},
		{"f", dev.FromBytes(tensor.Float32, special[tensor.Float32], 10)},
	}
	if err := SaveCheckpoint(path, a, nil, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	b := paramSet{{"h", dev.ZerosOf(tensor.Float16, 10)}, {"b", dev.ZerosOf(tensor.BFloat16, 10)}, {"f", dev.ZerosOf(tensor.Float32, 10)}}
	if err := LoadCheckpoint(path, b, nil); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !bytes.Equal(bytesOf(t, a[i].Tensor), bytesOf(t, b[i].Tensor)) {
			t.Errorf("%s: % x, want % x", a[i].Name, bytesOf(t, b[i].Tensor), bytesOf(t, a[i].Tensor))
		}
	}
	// The F16 parameter into a Float32 one: widened exactly.
	c := paramSet{{"h", dev.ZerosOf(tensor.Float32, 10)}, {"b", dev.ZerosOf(tensor.BFloat16, 10)}, {"f", dev.ZerosOf(tensor.Float32, 10)}}
	if err := LoadCheckpoint(path, c, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := a[0].Tensor.Data()
	got, _ := c[0].Tensor.Data()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Errorf("h[%d] widened to %g, want %g", i, got[i], want[i])
		}
	}
}

// A Float32 model's checkpoint with Adam state loads its moments as they
// were saved.
func TestCheckpointOptimizerStateBits(t *testing.T) {
	rng := tensor.NewRNG(4)
	m := NewSequential(NewLinear(nil, rng, 3, 2))
	opt := NewAdam(m.Parameters(), 0.1)
	x := tensor.Uniform(rng, -1, 1, 4, 3)
	loss := m.Forward(x).Square().Mean()
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	if err := opt.Step(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "adam.safetensors")
	if err := SaveCheckpoint(path, m, opt, nil); err != nil {
		t.Fatal(err)
	}
	m2 := NewSequential(NewLinear(nil, tensor.NewRNG(5), 3, 2))
	opt2 := NewAdam(m2.Parameters(), 0.1)
	if err := LoadCheckpoint(path, m2, opt2); err != nil {
		t.Fatal(err)
	}
	for i := range opt.m {
		if opt2.m[i].DType() != tensor.Float32 || !bytes.Equal(bytesOf(t, opt.m[i]), bytesOf(t, opt2.m[i])) || !bytes.Equal(bytesOf(t, opt.v[i]), bytesOf(t, opt2.v[i])) {
			t.Errorf("moments of parameter %d differ after loading", i)
		}
	}
	// Integer optimizer state is refused.
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := f.Tensors["optimizer.0.bias.exp_avg"]
	f.Tensors["optimizer.0.bias.exp_avg"] = safetensors.Tensor{DType: safetensors.I32, Shape: st.Shape, Data: st.Data}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := safetensors.WriteFile(bad, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	if err := LoadCheckpoint(bad, m2, NewAdam(m2.Parameters(), 0.1)); err == nil || !strings.Contains(err.Error(), `optimizer state "optimizer.0.bias.exp_avg" is I32; it must be a float`) {
		t.Errorf("I32 optimizer state: %v", err)
	}
}

// A bfloat16 model trained with Adam, saved and resumed, takes the same
// steps as the run that never stopped, bit for bit: the checkpoint keeps
// each parameter's Float32 master copy. Loaded as Float32, the model takes
// the masters' values.
func TestCheckpointResumesMasters(t *testing.T) {
	build := func() (*Sequential, *Adam) {
		m := NewSequential(NewLinear(nil, tensor.NewRNG(4), 3, 2))
		if err := ToDType(m, tensor.BFloat16); err != nil {
			t.Fatal(err)
		}
		return m, NewAdam(m.Parameters(), 0.01)
	}
	x := tensor.Uniform(tensor.NewRNG(6), -1, 1, 8, 3).AsType(tensor.BFloat16)
	step := func(m *Sequential, opt *Adam) {
		opt.ZeroGrad()
		if err := m.Forward(x).AsType(tensor.Float32).Square().Mean().Backward(); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
	}
	m, opt := build()
	for range 3 {
		step(m, opt)
	}
	path := filepath.Join(t.TempDir(), "bf16.safetensors")
	if err := SaveCheckpoint(path, m, opt, nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		step(m, opt)
	}
	m2, opt2 := build()
	if err := LoadCheckpoint(path, m2, opt2); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		step(m2, opt2)
	}
	ps, ps2 := m.NamedParameters(), m2.NamedParameters()
	for i := range ps {
		if !bytes.Equal(bytesOf(t, ps[i].Tensor), bytesOf(t, ps2[i].Tensor)) || !bytes.Equal(bytesOf(t, opt.masters[i]), bytesOf(t, opt2.masters[i])) {
			t.Errorf("%s: the resumed run differs from the uninterrupted one", ps[i].Name)
		}
	}
	// As Float32: the saved masters, not the bfloat16 parameters.
	m3 := NewSequential(NewLinear(nil, tensor.NewRNG(9), 3, 2))
	if err := LoadCheckpoint(path, m3, NewAdam(m3.Parameters(), 0.01)); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m3.NamedParameters() {
		if got, want := bytesOf(t, p.Tensor), f.Tensors["optimizer."+p.Name+".master"].Data; !bytes.Equal(got, want) {
			t.Errorf("%s loaded as Float32: % x, want the master's % x", p.Name, got, want)
		}
	}
}
