package cpu

import (
	"math/bits"
	"sync"
	"unsafe"
)

// Large buffers are recycled. A fresh allocation of megabytes comes from
// memory the runtime has returned to the OS, so its first use takes a page
// fault every 4 KiB: on a 1024×1024 add that costs more than the add
// itself. Freed buffers of at least poolMin elements go to a pool per size
// class (quarter steps between powers of two, so at most a quarter of a
// buffer is slack) and are handed out again as they are: the backend
// contract leaves a new buffer's contents unspecified, and clearing a
// recycled one cost 5% of a CNN training step. The pools are sync.Pools:
// what nobody takes back is dropped by the garbage collector within two
// cycles.
const poolMin = 1 << 16

var pools [4 * 64]sync.Pool

// sizeClass returns the pool index and element capacity for a buffer of n
// ≥ poolMin elements: the least c = 2ᵏ⁻¹·(1 + q/4), q in 1..4, with c ≥ n.
func sizeClass(n int) (idx, capacity int) {
	k := bits.Len(uint(n - 1)) // 2ᵏ⁻¹ < n ≤ 2ᵏ
	base := 1 << (k - 1)
	q := (n - base + base/4 - 1) / (base / 4)
	return 4*k + q - 1, base + q*(base/4)
}

// allocData returns a slice of n elements: zeroed when its memory is
// fresh, holding a freed buffer's values when it is recycled.
func allocData(n int) []float32 {
	if n < poolMin {
		return make([]float32, n)
	}
	idx, c := sizeClass(n)
	if p, ok := pools[idx].Get().(*float32); ok {
		return unsafe.Slice(p, c)[:n]
	}
	return make([]float32, n, c)
}

// recycle returns the memory of d, which allocData made, to its pool.
func recycle(d []float32) {
	if cap(d) < poolMin {
		return
	}
	idx, c := sizeClass(cap(d))
	if c != cap(d) {
		return // not a pooled size: leave it to the garbage collector
	}
	pools[idx].Put(unsafe.SliceData(d[:c]))
}
