package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.safetensors")

const goldenPath = "testdata/golden.safetensors"

// goldenBytes builds, byte by byte, what Python's
//
//	safetensors.torch.save_file({
//	    "a": torch.arange(6, dtype=torch.float32).reshape(2, 3),
//	    "b": torch.tensor([1.5], dtype=torch.float32),
//	}, path)
//
// writes: the header length (uint64 LE), the compact JSON header (tensors
// sorted by dtype alignment, then name; no "__metadata__" since none was
// given; padded with spaces to a multiple of 8 bytes, here already 112),
// then a's 6 float32s and b's one, little-endian.
func goldenBytes() []byte {
	header := `{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},` +
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}`
	var out []byte
	out = append(out, byte(len(header)), 0, 0, 0, 0, 0, 0, 0) // 112 = 0x70
	out = append(out, header...)
	out = append(out,
		0x00, 0x00, 0x00, 0x00, // 0.0
		0x00, 0x00, 0x80, 0x3f, // 1.0
		0x00, 0x00, 0x00, 0x40, // 2.0
		0x00, 0x00, 0x40, 0x40, // 3.0
		0x00, 0x00, 0x80, 0x40, // 4.0
		0x00, 0x00, 0xa0, 0x40, // 5.0
		0x00, 0x00, 0xc0, 0x3f, // 1.5
	)
	return out
}

func TestGolden(t *testing.T) {
	want := goldenBytes()
	if len(want) != 8+112+28 {
		t.Fatalf("golden generator: %d bytes", len(want))
	}
	if *update {
		if err := os.WriteFile(goldenPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	onDisk, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, want) {
		t.Fatalf("%s differs from the generator; run go test -update", goldenPath)
	}

	f, err := ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Names, []string{"a", "b"}) || f.Metadata != nil {
		t.Errorf("names %v, metadata %v", f.Names, f.Metadata)
	}
	a, err := f.Tensors["a"].Float32()
	if err != nil || !slices.Equal(a, []float32{0, 1, 2, 3, 4, 5}) || !slices.Equal(f.Tensors["a"].Shape, []int{2, 3}) {
		t.Errorf("a = %v %v (%v)", a, f.Tensors["a"].Shape, err)
	}
	b, err := f.Tensors["b"].Float32()
	if err != nil || !slices.Equal(b, []float32{1.5}) || !slices.Equal(f.Tensors["b"].Shape, []int{1}) {
		t.Errorf("b = %v %v (%v)", b, f.Tensors["b"].Shape, err)
	}

	var buf bytes.Buffer
	err = Write(&buf, map[string]Tensor{
		"b": FromFloat32([]int{1}, []float32{1.5}),
		"a": FromFloat32([]int{2, 3}, []float32{0, 1, 2, 3, 4, 5}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write:\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := map[string]Tensor{
		"scalar":          FromFloat32(nil, []float32{3.25}),
		"empty":           FromFloat32([]int{0, 4}, nil),
		"w":               FromFloat32([]int{2, 2}, []float32{1, -2, 3, -4}),
		"ids":             {DType: I64, Shape: []int{3}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		"mask":            {DType: U8, Shape: []int{5}, Data: []byte{1, 0, 1, 1, 0}},
		"half":            {DType: F16, Shape: []int{2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0}},
		"bf":              {DType: BF16, Shape: []int{1, 1}, Data: []byte{0xc0, 0x3f}},
		"n\"a\\m\u00e9\n": {DType: I32, Shape: []int{1}, Data: []byte{7, 0, 0, 0}},
	}
	meta := map[string]string{"format": "pt", "z": "last", "quote\"": "tab\t"}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.safetensors")
	if err := WriteFile(p, tensors, meta); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	hdr := string(raw[8 : 8+n])
	if !strings.HasPrefix(hdr, `{"__metadata__":{"format":"pt","quote\"":"tab\t","z":"last"},"ids":`) {
		t.Errorf("header %s", hdr)
	}
	// Layout order: I64, then F32 by name, I32, BF16, F16, U8.
	f, err := Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"ids", "empty", "scalar", "w", "n\"a\\m\u00e9\n", "bf", "half", "mask"}
	if !slices.Equal(f.Names, wantNames) {
		t.Errorf("names %q, want %q", f.Names, wantNames)
	}
	if !reflect.DeepEqual(f.Metadata, meta) {
		t.Errorf("metadata %v", f.Metadata)
	}
	if len(f.Tensors) != len(tensors) {
		t.Errorf("%d tensors", len(f.Tensors))
	}
	for name, want := range tensors {
		got := f.Tensors[name]
		if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%q: got %+v, want %+v", name, got, want)
		}
		if got.Shape == nil {
			t.Errorf("%q: nil shape", name)
		}
	}
	if v, _ := f.Tensors["half"].Float32(); !slices.Equal(v, []float32{1, -2}) {
		t.Errorf("half = %v", v)
	}
	if v, _ := f.Tensors["bf"].Float32(); !slices.Equal(v, []float32{1.5}) {
		t.Errorf("bf = %v", v)
	}
	if _, err := f.Tensors["ids"].Float32(); err == nil {
		t.Error("I64.Float32() succeeded")
	}
	// Writing what was read reproduces the file.
	var again bytes.Buffer
	if err := Write(&again, f.Tensors, f.Metadata); err != nil || !bytes.Equal(again.Bytes(), raw) {
		t.Errorf("rewrite differs (%v)", err)
	}
	// Empty metadata map is written; nil is not; no tensors at all is fine.
	var e bytes.Buffer
	if err := Write(&e, nil, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if want := "\x18\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{}}     `; e.String() != want {
		t.Errorf("empty: %q, want %q", e.String(), want)
	}
	if f, err := Decode(e.Bytes()); err != nil || f.Metadata == nil || len(f.Tensors) != 0 {
		t.Errorf("empty: %+v, %v", f, err)
	}
}

func TestHalf(t *testing.T) {
	for h, want := range map[uint16]float32{
		0x0000: 0, 0x8000: float32(math.Copysign(0, -1)), 0x3c00: 1, 0xc000: -2, 0x7bff: 65504,
		0x0001: 1.0 / (1 << 24), 0x0400: 1.0 / (1 << 14), 0x3555: 0.333251953125,
		0x7c00: float32(math.Inf(1)), 0xfc00: float32(math.Inf(-1)),
	} {
		if got := halfToFloat32(h); got != want || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Errorf("half %#04x = %g, want %g", h, got, want)
		}
	}
	if !math.IsNaN(float64(halfToFloat32(0x7e00))) {
		t.Error("NaN")
	}
}

func TestWriteErrors(t *testing.T) {
	for name, c := range map[string]struct {
		tensors map[string]Tensor
		meta    map[string]string
		msg     string
	}{
		"dtype":    {map[string]Tensor{"x": {DType: "Q4", Shape: []int{1}, Data: []byte{0}}}, nil, `unknown dtype "Q4"`},
		"size":     {map[string]Tensor{"x": {DType: F32, Shape: []int{2}, Data: []byte{0, 0, 0, 0}}}, nil, "needs 8 bytes, Data has 4"},
		"negative": {map[string]Tensor{"x": {DType: U8, Shape: []int{-1}}}, nil, "negative dimension"},
		"reserved": {map[string]Tensor{MetadataKey: FromFloat32(nil, []float32{1})}, nil, "reserved"},
		"utf8":     {map[string]Tensor{"\xff": FromFloat32(nil, []float32{1})}, nil, "UTF-8"},
		"metautf8": {nil, map[string]string{"k": "\xfe"}, "UTF-8"},
	} {
		err := Write(&bytes.Buffer{}, c.tensors, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", name, err, c.msg)
		}
	}
}

// file assembles a safetensors file from a header string and buffer.
func file(header string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), buf...)
}

func TestCorrupt(t *testing.T) {
	golden := goldenBytes()
	withLen := func(n uint64) []byte {
		b := slices.Clone(golden)
		binary.LittleEndian.PutUint64(b, n)
		return b
	}
	const tA = `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	for _, c := range []struct {
		name   string
		data   []byte
		offset int64
		msg    string
	}{
		{"short", golden[:5], 0, "too short for the 8-byte header length"},
		{"absurd header", withLen(1 << 40), 0, "header length 1099511627776 exceeds the limit"},
		{"header beyond file", withLen(1000), 0, "header length 1000 extends beyond the end of the 148-byte file"},
		{"not brace", file(` {}`, nil), 8, "does not start with '{'"},
		{"empty header", file(``, nil), 8, "does not start with '{'"},
		{"bad json", file(`{"a":}`, nil), 13, "invalid JSON header"},
		{"truncated json", file(`{"a":{"dtype"`, nil), 21, "invalid JSON header"},
		{"trailing json", file(`{} {}`, nil), 12, "data after the top-level object"},
		{"not utf8", file("{\"\xff\":1}", nil), 10, "not valid UTF-8"},
		{"unknown dtype", file(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), 9, `tensor "a": unknown dtype "F33"`},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), 9, `missing "shape"`},
		{"null offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":null}}`, make([]byte, 4)), 9, `missing "data_offsets"`},
		{"not object", file(`{"a":[1]}`, nil), 9, "entry is not an object"},
		{"float dim", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)), 9, "shape is not a list of integers"},
		{"negative dim", file(`{"a":{"dtype":"U8","shape":[-2,-3],"data_offsets":[0,6]}}`, make([]byte, 6)), 9, "negative dimension -2"},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}`, make([]byte, 20)), 9, "F32 shape [2 3] needs 24 bytes, but data_offsets [0, 20] span 20"},
		{"huge shape", file(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, make([]byte, 8)), 9, "too large"},
		{"three offsets", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, make([]byte, 1)), 9, "data_offsets has 3 values"},
		{"reversed offsets", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4)), 9, "invalid data_offsets [4, 0]"},
		{"out of range", file(`{`+tA+`}`, make([]byte, 4)), 9, `tensor "a": data_offsets [0, 8] extend beyond the 4-byte buffer`},
		{"duplicate", file(`{`+tA+`,`+tA+`}`, make([]byte, 8)), 62, `duplicate entry "a"`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, nil), 27, `duplicate entry "__metadata__"`},
		{"bad metadata", file(`{"__metadata__":{"k":1}}`, nil), 9, "__metadata__ is not an object of strings"},
		{"overlap", file(`{`+tA+`,"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}`, make([]byte, 8)), 8 + 106 + 6, `tensor "b" at [6, 8) overlaps tensor "a" ending at 8`},
		{"hole", file(`{`+tA+`,"b":{"dtype":"U8","shape":[2],"data_offsets":[10,12]}}`, make([]byte, 12)), 8 + 108 + 8, `buffer bytes [8, 10) between tensors "a" and "b" belong to no tensor`},
		{"hole at start", file(`{"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, make([]byte, 4)), 8 + 53, `buffer bytes [0, 2) before tensor "b"`},
		{"not covering", file(`{`+tA+`}`, make([]byte, 9)), 8 + 54 + 8, "buffer bytes [8, 9) at the end belong to no tensor"},
		{"data without tensors", file(`{}`, []byte{1}), 10, "buffer bytes [0, 1) at the end"},
	} {
		f, err := Decode(c.data)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, %v; want *FormatError", c.name, f, err)
			continue
		}
		if fe.Offset != c.offset || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s: got %q, want offset %d and %q", c.name, err, c.offset, c.msg)
		}
	}
}

func TestReadFileErrorNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(p, goldenBytes()[:100], 0o644)
	_, err := ReadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": offset 0: header length 112 extends beyond") {
		t.Errorf("got %v", err)
	}
	if _, err := Decode([]byte{1}); err == nil || !strings.HasPrefix(err.Error(), "safetensors: offset 0: ") {
		t.Errorf("got %v", err)
	}
}

func TestHeaderPadding(t *testing.T) {
	// Readers must accept padding; writers pad to a multiple of 8.
	for _, name := range []string{"x", "xy", "xyz", "long_name_here"} {
		var b bytes.Buffer
		if err := Write(&b, map[string]Tensor{name: {DType: U8, Shape: []int{1}, Data: []byte{9}}}, nil); err != nil {
			t.Fatal(err)
		}
		n := binary.LittleEndian.Uint64(b.Bytes())
		if n%8 != 0 || b.Len() != int(8+n+1) {
			t.Errorf("%s: header %d, file %d", name, n, b.Len())
		}
		f, err := Decode(b.Bytes())
		if err != nil || f.Tensors[name].Data[0] != 9 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(goldenBytes())
	f.Add(file(`{"__metadata__":{"a":"b"},"x":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{1}))
	f.Add(file(`{"a":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{}}`, make([]byte, 8)))
	f.Add(file(`{}`, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{'})
	f.Add(file(`{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"BOOL","shape":[1],"data_offsets":[16,17]}}`, append(u64s(math.Float64bits(1e300), 1<<63), 2)))
	if golden, err := os.ReadFile(dtypesGolden); err == nil {
		f.Add(golden)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		// A valid file round-trips through Write and Decode.
		var b bytes.Buffer
		if err := Write(&b, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("Write of a decoded file: %v", err)
		}
		again, err := Decode(b.Bytes())
		if err != nil {
			t.Fatalf("Decode of a rewritten file: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) {
			t.Fatalf("round trip: %d tensors, want %d", len(again.Tensors), len(file.Tensors))
		}
		for name, want := range file.Tensors {
			got := again.Tensors[name]
			if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("round trip of %q differs", name)
			}
			if !bytes.Equal(data[want.Offset:want.Offset+int64(len(want.Data))], want.Data) {
				t.Fatalf("%q: Offset %d does not locate its data", name, want.Offset)
			}
			// Every conversion succeeds with the right size or names why not.
			for _, to := range []DType{F32, F16, BF16, I32} {
				c, err := want.Convert(to)
				var ce *ConvertError
				if err != nil && !errors.As(err, &ce) {
					t.Fatalf("%q to %s: error %v is not a *ConvertError", name, to, err)
				}
				if err == nil && (c.DType != to || len(c.Data) != want.NumElements()*to.Size()) {
					t.Fatalf("%q to %s: got %s with %d bytes", name, to, c.DType, len(c.Data))
				}
			}
		}
	})
}
