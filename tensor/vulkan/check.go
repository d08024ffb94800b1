package vulkan

import (
	"math"
	"unsafe"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Index checks. A kernel that reads indices (gather.comp, scatter.comp,
// xent.comp) gets a check slot of its own, bound as its last binding: the
// first invocation that meets a bad index sets word 0 of the slot to 1
// (atomic compare-and-swap; 2 for an int32 index) and stores the index's
// bits in word 1; it then
// skips the access (a gathered or cross-entropy value becomes NaN, a
// scattered one is dropped). Slots live in small device buffers (blocks)
// that are zeroed when taken into use and read back after the work ran.

// checkSlots is the number of slots per block.
const checkSlots = 64

// check is the device check of one op: read back, it becomes done, with err
// set when the kernel flagged an index.
type check struct {
	op         string
	axis, size int
	blk        *checkBlock
	slot       int
	done       bool
	err        error
}

// checkBlock is a device buffer of checkSlots slots.
type checkBlock struct {
	g    *gpu.Buffer
	used int      // slots handed out since the block was zeroed
	open []*check // handed out and not read back
}

// checker hands out slots; all of it is guarded by Backend.mu.
type checker struct {
	stride int // bytes per slot: 16, or the storage-buffer offset alignment
	cur    *checkBlock
	full   []*checkBlock // every slot handed out, some not read back
	free   []*checkBlock // read back: zeroed again when taken
}

// newCheck gives the op being recorded a check of indices into an axis of
// the given size (axis names it in the error) and returns the range to
// bind. Its destinations depend on the check from now on. It reports false
// when no slot could be had (the op has failed).
func (b *Backend) newCheck(axis, size int) (gpu.BufferRange, bool) {
	c := &b.chk
	if c.cur == nil || c.cur.used == checkSlots {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
			c.cur = nil
		}
		var blk *checkBlock
		if n := len(c.free); n > 0 {
			blk, c.free = c.free[n-1], c.free[:n-1]
		} else {
			g, err := b.dev.Alloc(checkSlots * c.stride)
			if err != nil {
				b.fail(err)
				return gpu.BufferRange{}, false
			}
			blk = &checkBlock{g: g}
		}
		if err := b.dev.FillBuffer(blk.g.Range(0, 0, gpu.Write), 0); err != nil {
			c.free = append(c.free, blk)
			b.fail(err)
			return gpu.BufferRange{}, false
		}
		blk.used = 0
		c.cur = blk
	}
	blk := c.cur
	k := &check{op: b.cur.name, axis: axis, size: size, blk: blk, slot: blk.used}
	blk.used++
	blk.open = append(blk.open, k)
	for _, d := range b.cur.dst[:b.cur.nd] {
		d.addPend(k)
	}
	return blk.g.Range(k.slot*c.stride, 16, gpu.ReadWrite), true
}

// readChecks reads back every block with open checks (waiting for the work
// that writes them) and settles those checks. Full blocks become free.
func (b *Backend) readChecks() {
	c := &b.chk
	blocks := c.full
	if c.cur != nil {
		blocks = append(blocks, c.cur)
	}
	for _, blk := range blocks {
		if len(blk.open) == 0 {
			continue
		}
		words := make([]uint32, blk.used*c.stride/4)
		raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(words)*4)
		if err := b.dev.Download(blk.g, 0, raw); err != nil {
			b.deviceFail(err)
			return
		}
		for _, k := range blk.open {
			w := words[k.slot*c.stride/4:]
			k.done, k.blk = true, nil
			switch w[0] {
			case 0:
			case 2: // an int32 index
				k.err = &backend.IndexError{Op: k.op, Index: float64(int32(w[1])), Axis: k.axis, Size: k.size}
			default:
				k.err = &backend.IndexError{Op: k.op, Index: float64(math.Float32frombits(w[1])), Axis: k.axis, Size: k.size}
			}
		}
		clear(blk.open)
		blk.open = blk.open[:0]
	}
	c.free = append(c.free, c.full...)
	clear(c.full)
	c.full = c.full[:0]
	// the current block keeps handing out its unused slots, still zero:
	// one fill per checkSlots checks, not one per read-back
}
