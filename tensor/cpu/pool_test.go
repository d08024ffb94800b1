package cpu

import (
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

func TestSizeClass(t *testing.T) {
	prev := -1
	for n := poolMin; n < 1<<24; n += n/7 + 1 {
		idx, c := sizeClass(n)
		if c < n || c > n+n/4+1 {
			t.Fatalf("sizeClass(%d) capacity %d: not in [n, 1.25n]", n, c)
		}
		if idx < prev || idx >= len(pools) {
			t.Fatalf("sizeClass(%d) index %d after %d", n, idx, prev)
		}
		if i2, c2 := sizeClass(c); i2 != idx || c2 != c {
			t.Fatalf("sizeClass(%d) = %d, %d but sizeClass(%d) = %d, %d", n, idx, c, c, i2, c2)
		}
		prev = idx
	}
}

// TestAllocRecycled frees a dirty buffer and allocates sizes of its class
// again: each buffer has the requested length, and writing one leaves the
// others alone (no two live buffers share memory).
func TestAllocRecycled(t *testing.T) {
	be := New()
	for _, n := range []int{poolMin, poolMin + 1, 3 << 20} {
		b, err := be.Alloc(backend.Float32, n)
		if err != nil {
			t.Fatal(err)
		}
		d := data(b)
		for i := range d {
			d[i] = 7
		}
		be.Free(b)
		b1, err1 := be.Alloc(backend.Float32, n)
		b2, err2 := be.Alloc(backend.Float32, n-1)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if b1.Len() != n || b2.Len() != n-1 {
			t.Fatalf("Alloc(%d), Alloc(%d) have %d and %d elements", n, n-1, b1.Len(), b2.Len())
		}
		d1, d2 := data(b1), data(b2)
		for i := range d1 {
			d1[i] = 1
		}
		for i := range d2 {
			d2[i] = 2
		}
		for i, v := range d1 {
			if v != 1 {
				t.Fatalf("Alloc(%d): element %d = %v after writing another buffer", n, i, v)
			}
		}
		be.Free(b1)
		be.Free(b2)
	}
}
