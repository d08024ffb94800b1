package half

import (
	"flag"
	"math"
	"testing"
)

var exhaustive = flag.Bool("exhaustive", false, "TestFast: convert all 2^32 float32 patterns")

// TestFast checks the slice conversions against F16, BF16 and their
// inverses: every float16 and bfloat16 pattern, and float32 patterns over
// the whole range at a stride of 13 (251 with -short; all of them with
// -exhaustive, about two minutes).
func TestFast(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		if a, b := f16ToFloat32Fast(h), F16ToFloat32(h); math.Float32bits(a) != math.Float32bits(b) {
			t.Fatalf("float16 %#04x: %v, want %v", h, a, b)
		}
	}
	stride := uint64(13)
	switch {
	case *exhaustive:
		stride = 1
	case testing.Short():
		stride = 251
	}
	src := make([]float32, 0, 1<<16)
	d16 := make([]uint16, 1<<16)
	db := make([]uint16, 1<<16)
	flush := func() {
		F16s(d16, src)
		BF16s(db, src)
		for i, x := range src {
			if d16[i] != F16(x) {
				t.Fatalf("F16s(%#08x) = %#04x, want %#04x", math.Float32bits(x), d16[i], F16(x))
			}
			if db[i] != BF16(x) {
				t.Fatalf("BF16s(%#08x) = %#04x, want %#04x", math.Float32bits(x), db[i], BF16(x))
			}
		}
		src = src[:0]
	}
	for b := uint64(0); b < 1<<32; b += stride {
		src = append(src, math.Float32frombits(uint32(b)))
		if len(src) == cap(src) {
			flush()
		}
	}
	flush()
	back := make([]float32, 1<<16)
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	BF16sToFloat32(back, all)
	for i, v := range back {
		if math.Float32bits(v) != math.Float32bits(BF16ToFloat32(uint16(i))) {
			t.Fatalf("BF16sToFloat32(%#04x) = %v", i, v)
		}
	}
	F16sToFloat32(back, all)
	for i, v := range back {
		if math.Float32bits(v) != math.Float32bits(F16ToFloat32(uint16(i))) {
			t.Fatalf("F16sToFloat32(%#04x) = %v", i, v)
		}
	}
}
