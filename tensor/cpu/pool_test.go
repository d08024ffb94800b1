package cpu

import "testing"

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

// TestAllocRecycledIsZeroed frees a dirty buffer and allocates its size
// again: whether or not the pool hands the same memory back, it must be
// zeroed, of the requested length.
func TestAllocRecycledIsZeroed(t *testing.T) {
	be := New()
	for _, n := range []int{poolMin, poolMin + 1, 3 << 20} {
		b, err := be.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		d := data(b)
		for i := range d {
			d[i] = 7
		}
		be.Free(b)
		b2, err := be.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		if b2.Len() != n {
			t.Fatalf("Alloc(%d) has %d elements", n, b2.Len())
		}
		for i, v := range data(b2) {
			if v != 0 {
				t.Fatalf("Alloc(%d) after Free: element %d = %v", n, i, v)
			}
		}
		be.Free(b2)
	}
}
