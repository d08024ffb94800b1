package philox

import (
	"math"
	"testing"
)

// The known-answer vectors published with the Random123 library for
// philox4x32 with 10 rounds.
func TestKnownAnswers(t *testing.T) {
	cases := []struct {
		c    [4]uint32
		k    [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Block(c.c, c.k); got != c.want {
			t.Errorf("Block(%08x, %08x) = %08x, want %08x", c.c, c.k, got, c.want)
		}
	}
}

func TestDistributions(t *testing.T) {
	const n = 200000
	var su, su2, sn, sn2 float64
	for i := uint64(0); i < n; i++ {
		u := Uniform(42, 7, i, -1, 3)
		if u < -1 || u >= 3 {
			t.Fatalf("Uniform out of [-1, 3): %v", u)
		}
		su += float64(u)
		su2 += float64(u) * float64(u)
		z := Normal(42, 7, i, 2, 0.5)
		if math.IsNaN(float64(z)) || math.IsInf(float64(z), 0) {
			t.Fatalf("Normal not finite at %d: %v", i, z)
		}
		sn += float64(z)
		sn2 += float64(z) * float64(z)
	}
	mu, vu := su/n, su2/n-(su/n)*(su/n)
	mn, vn := sn/n, sn2/n-(sn/n)*(sn/n)
	// Standard errors at n = 2e5 are about 0.003 (uniform mean) and 0.0011
	// (normal mean); the bounds are ~5 standard errors.
	if math.Abs(mu-1) > 0.015 || math.Abs(vu-16.0/12) > 0.02 {
		t.Errorf("uniform [-1,3): mean %.4f var %.4f, want 1 and %.4f", mu, vu, 16.0/12)
	}
	if math.Abs(mn-2) > 0.006 || math.Abs(vn-0.25) > 0.006 {
		t.Errorf("normal(2, 0.5): mean %.4f var %.4f, want 2 and 0.25", mn, vn)
	}
	if Uniform(1, 0, 5, 0, 1) == Uniform(2, 0, 5, 0, 1) || Uniform(1, 0, 5, 0, 1) == Uniform(1, 1, 5, 0, 1) {
		t.Error("seed and stream do not change the value")
	}
}
