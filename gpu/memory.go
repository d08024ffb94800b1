//go:build cgo

package gpu

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

const (
	hostFlags = vk.MemoryPropertyFlags(vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit)
	localFlag = vk.MemoryPropertyFlags(vk.MemoryPropertyDeviceLocalBit)
	cachedBit = vk.MemoryPropertyFlags(vk.MemoryPropertyHostCachedBit)
	mib       = 1 << 20
)

// pickMemoryType chooses the memory type for storage buffers (staging ==
// false) or for staging (staging == true).
//
// Storage: prefer DEVICE_LOCAL|HOST_VISIBLE|HOST_COHERENT when that type's
// heap is the big one (unified memory, lavapipe, resizable BAR) so uploads
// are plain memcpy; otherwise plain DEVICE_LOCAL. The 256 MiB BAR window of
// discrete cards without resizable BAR is rejected by the heap-size check.
// Staging: HOST_VISIBLE|HOST_COHERENT, preferring HOST_CACHED for fast reads.
func pickMemoryType(mp *vk.PhysicalDeviceMemoryProperties, staging bool) (uint32, bool) {
	var biggestLocal uint64
	for i := uint32(0); i < mp.MemoryHeapCount; i++ {
		mp.MemoryHeaps[i].Deref()
		if mp.MemoryHeaps[i].Flags&vk.MemoryHeapFlags(vk.MemoryHeapDeviceLocalBit) != 0 && uint64(mp.MemoryHeaps[i].Size) > biggestLocal {
			biggestLocal = uint64(mp.MemoryHeaps[i].Size)
		}
	}
	best, bestScore := uint32(0), -1
	for i := uint32(0); i < mp.MemoryTypeCount; i++ {
		mp.MemoryTypes[i].Deref()
		t := mp.MemoryTypes[i]
		heap := uint64(mp.MemoryHeaps[t.HeapIndex].Size)
		score := -1
		if staging {
			if t.PropertyFlags&hostFlags == hostFlags {
				score = 1
				if t.PropertyFlags&cachedBit != 0 {
					score = 2
				}
			}
		} else if t.PropertyFlags&localFlag != 0 {
			score = 1
			if t.PropertyFlags&hostFlags == hostFlags && heap*2 >= biggestLocal {
				score = 2
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if bestScore < 0 && !staging {
		// No DEVICE_LOCAL type at all (should not happen): fall back to any
		// host-visible memory.
		return pickMemoryType(mp, true)
	}
	return best, bestScore >= 0
}

// block is one vkAllocateMemory with one VkBuffer spanning it.
type block struct {
	mem    vk.DeviceMemory
	buf    vk.Buffer
	size   uint64
	mapped unsafe.Pointer // persistent mapping, nil if not host visible
	free   []span         // free ranges sorted by offset
	used   uint64
}

// span is a byte range [off, off+size).
type span struct{ off, size uint64 }

// allocator sub-allocates buffers from large blocks of one memory type.
// Sizes are rounded to size classes (8 per power of two, so at most 12.5%
// waste); freed chunks go to a per-class free list and are reused as is,
// which makes the common pattern of repeatedly allocating the same shapes
// O(1). The class lists are returned to their blocks, coalesced, and empty
// blocks released (trim) when memory runs short and when Reserved exceeds
// its bound (see limit and the package doc).
type allocator struct {
	d           *Device
	typeIndex   uint32
	heapIndex   uint32
	hostVisible bool
	blockSize   uint64
	maxAlloc    uint64
	heapSize    uint64
	align       uint64
	blocks      []*block
	classes     map[uint64][]chunk
	cachedBytes uint64 // in the class lists
	inUse       uint64 // in live buffers
	pending     uint64 // in freed buffers whose last batch has not retired
	reserved    uint64
	buffers     int
	bufferUsage vk.BufferUsageFlags

	// Demand: the peak of inUse since Open, and over the current and the
	// previous window of trimWindow retired batches (what limit follows).
	peak, winPeak, prevPeak uint64
	retires                 int
	reclaims                int64 // batches submitted or waited for to reuse pending memory
}

// trimWindow is how many retired batches a window of the demand estimate
// spans: a spike of use is forgotten after one to two windows.
const trimWindow = 32

type chunk struct {
	blk  *block
	off  uint64
	size uint64
}

func (d *Device) initMemory() error {
	ti, ok := pickMemoryType(&d.memProps, false)
	if !ok {
		return fmt.Errorf("%w: %s has no usable memory type", ErrNoDevice, d.info.Name)
	}
	usage := vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit | vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit)
	d.mem = d.newAllocator(ti, usage)
	direct := d.mem.hostVisible &&
		(d.memProps.MemoryTypes[ti].PropertyFlags&cachedBit != 0 || d.info.Type != DeviceDiscrete)
	if direct {
		// Reads from uncached device memory over PCIe are very slow, so on
		// discrete cards downloads go through cached staging memory even
		// when the device memory is mappable.
		d.staging = d.mem
		return nil
	}
	si, ok := pickMemoryType(&d.memProps, true)
	if !ok {
		return fmt.Errorf("%w: %s has no host-visible memory type", ErrNoDevice, d.info.Name)
	}
	d.staging = d.newAllocator(si, vk.BufferUsageFlags(vk.BufferUsageTransferSrcBit|vk.BufferUsageTransferDstBit))
	d.staging.blockSize = 64 * mib
	return nil
}

func (d *Device) newAllocator(ti uint32, usage vk.BufferUsageFlags) *allocator {
	t := d.memProps.MemoryTypes[ti]
	a := &allocator{
		d:           d,
		typeIndex:   ti,
		heapIndex:   t.HeapIndex,
		hostVisible: t.PropertyFlags&hostFlags == hostFlags,
		heapSize:    uint64(d.memProps.MemoryHeaps[t.HeapIndex].Size),
		maxAlloc:    d.info.MaxMemoryAllocationSize,
		classes:     map[uint64][]chunk{},
		bufferUsage: usage,
	}
	if a.maxAlloc == 0 {
		a.maxAlloc = 1 << 30 // Vulkan 1.1 guarantees at least 1 GiB
	}
	a.blockSize = 64 * mib
	if a.heapSize >= 8<<30 {
		a.blockSize = 256 * mib
	}
	if d.opts.BlockSize > 0 {
		a.blockSize = uint64(d.opts.BlockSize)
	}
	a.blockSize = min(a.blockSize, a.maxAlloc)
	a.align = max(d.info.MinStorageBufferOffsetAlign, 256)
	a.blockSize = roundUp(a.blockSize, a.align)
	return a
}

func roundUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

// sizeClass rounds n up to its class: multiples of align below 8*align,
// then 8 steps per power of two.
func (a *allocator) sizeClass(n uint64) uint64 {
	if n == 0 {
		n = 1
	}
	if n <= 8*a.align {
		return roundUp(n, a.align)
	}
	step := uint64(1) << (bits.Len64(n-1) - 3)
	return roundUp(roundUp(n, step), a.align)
}

// reuse returns a chunk of class cls from its class list or from the free
// ranges of the existing blocks, without asking the driver for memory.
func (a *allocator) reuse(cls uint64) (chunk, bool) {
	if l := a.classes[cls]; len(l) > 0 {
		c := l[len(l)-1]
		a.classes[cls] = l[:len(l)-1]
		a.cachedBytes -= c.size
		return c, true
	}
	if cls <= a.blockSize {
		for _, b := range a.blocks {
			if c, ok := b.take(cls); ok {
				return c, true
			}
		}
	}
	return chunk{}, false
}

// use counts c as live.
func (a *allocator) use(c chunk) chunk {
	a.inUse += c.size
	a.buffers++
	a.peak = max(a.peak, a.inUse)
	a.winPeak = max(a.winPeak, a.inUse)
	return c
}

// limit is the soft bound on reserved bytes once a chunk of extra bytes
// is live: twice the demand plus one block. Demand is the highest in-use
// figure of the last one to two windows, so a steady loop does not give
// back memory between its steps only to ask for it again.
func (a *allocator) limit(extra uint64) uint64 {
	return 2*max(a.prevPeak, a.winPeak, a.inUse+extra) + a.blockSize
}

// newBlockSize is the size of the block a chunk of class cls needs: a
// block of its own above the block size, else a standard block, or what
// is left of the heap when that is less but still enough.
func (a *allocator) newBlockSize(cls uint64) uint64 {
	if cls > a.blockSize {
		return cls
	}
	if left := a.heapSize - min(a.reserved, a.heapSize); left < a.blockSize && left >= cls {
		return left / a.align * a.align
	}
	return a.blockSize
}

// allocChunk returns a live chunk of at least n bytes from a, or an error
// wrapping ErrOutOfMemory. It reuses freed memory first and grows Reserved
// only within limit and the heap. At either bound it makes room, one step
// at a time (makeRoom), and tries again: the class lists go back to their
// blocks and empty blocks to the driver, then buffers freed while their
// batch was pending are reclaimed by retiring finished batches, waiting for
// those in flight and submitting the one being recorded. Beyond the soft
// limit it grows only when nothing is left to reclaim. Caller holds d.mu.
func (d *Device) allocChunk(a *allocator, n uint64) (chunk, error) {
	cls := a.sizeClass(n)
	if c, ok := a.reuse(cls); ok {
		return a.use(c), nil
	}
	var refused error // the driver's last refusal of a block that fit the heap
	for {
		if bs := a.newBlockSize(cls); a.reserved+bs <= min(a.heapSize, a.limit(cls)) {
			b, err := a.newBlock(bs)
			if err == nil {
				c, _ := b.take(cls)
				return a.use(c), nil
			}
			if !errors.Is(err, ErrOutOfMemory) {
				return chunk{}, err
			}
			refused = err
		}
		more, err := d.makeRoom(a)
		if err != nil {
			return chunk{}, err
		}
		if !more {
			break
		}
		if c, ok := a.reuse(cls); ok {
			return a.use(c), nil
		}
	}
	// Nothing left to reclaim: grow beyond the soft limit if the heap allows.
	if bs := a.newBlockSize(cls); a.reserved+bs <= a.heapSize {
		b, err := a.newBlock(bs)
		if err != nil {
			return chunk{}, err
		}
		c, _ := b.take(cls)
		return a.use(c), nil
	}
	if refused != nil {
		return chunk{}, refused
	}
	return chunk{}, a.oom(cls, "heap exhausted")
}

// makeRoom does the next thing that can free memory in a and reports
// whether it did anything: trim the class lists and empty blocks, else
// submit the batch being recorded (its frees can retire only once it has
// run; submitting between two commands is what Options.MaxBatch does
// anyway), else retire finished batches, else wait for the oldest batch in
// flight. Caller holds d.mu.
func (d *Device) makeRoom(a *allocator) (bool, error) {
	if a.cachedBytes > 0 || a.hasEmptyBlock() {
		a.trim(0)
		return true, nil
	}
	r := &d.rec
	switch {
	case a.pending == 0:
		return false, nil
	case r.cur != nil:
		a.reclaims++
		return true, d.submit()
	case len(r.inflight) == 0:
		return false, nil // pending frees with no batch to wait for cannot happen
	}
	a.reclaims++
	done := r.done
	if d.poll(); r.done == done {
		if err := d.waitOldest(); err != nil {
			return false, err
		}
	}
	return true, d.err
}

func (a *allocator) hasEmptyBlock() bool {
	for _, b := range a.blocks {
		if b.used == 0 {
			return true
		}
	}
	return false
}

func (b *block) take(size uint64) (chunk, bool) {
	for i, f := range b.free {
		if f.size >= size {
			c := chunk{blk: b, off: f.off, size: size}
			if f.size == size {
				b.free = append(b.free[:i], b.free[i+1:]...)
			} else {
				b.free[i] = span{f.off + size, f.size - size}
			}
			b.used += size
			return c, true
		}
	}
	return chunk{}, false
}

// give returns a chunk to its block, coalescing with neighbours.
func (b *block) give(c chunk) {
	i := sort.Search(len(b.free), func(i int) bool { return b.free[i].off > c.off })
	b.free = append(b.free, span{})
	copy(b.free[i+1:], b.free[i:])
	b.free[i] = span{c.off, c.size}
	if i+1 < len(b.free) && b.free[i].off+b.free[i].size == b.free[i+1].off {
		b.free[i].size += b.free[i+1].size
		b.free = append(b.free[:i+1], b.free[i+2:]...)
	}
	if i > 0 && b.free[i-1].off+b.free[i-1].size == b.free[i].off {
		b.free[i-1].size += b.free[i].size
		b.free = append(b.free[:i], b.free[i+1:]...)
	}
	b.used -= c.size
}

func (a *allocator) oom(size uint64, why string) error {
	return fmt.Errorf("%w: allocating %d bytes (%d MiB) from heap %d (size %d MiB, %d MiB reserved): %s",
		ErrOutOfMemory, size, size/mib, a.heapIndex, a.heapSize/mib, a.reserved/mib, why)
}

func (a *allocator) newBlock(size uint64) (*block, error) {
	if size > a.maxAlloc {
		return nil, fmt.Errorf("%w: %d bytes exceeds maxMemoryAllocationSize %d", ErrTooLarge, size, a.maxAlloc)
	}
	// Refuse to over-commit the heap: some drivers (lavapipe) would happily
	// promise more virtual memory than exists and fail later.
	if a.reserved+size > a.heapSize {
		return nil, a.oom(size, "heap exhausted")
	}
	dev := a.d.dev
	var buf vk.Buffer
	bci := vk.BufferCreateInfo{
		SType:       vk.StructureTypeBufferCreateInfo,
		Size:        vk.DeviceSize(size),
		Usage:       a.bufferUsage,
		SharingMode: vk.SharingModeExclusive,
	}
	r := vk.CreateBuffer(dev, &bci, nil, &buf)
	bci.Free()
	if r != vk.Success {
		if r == vk.ErrorOutOfDeviceMemory || r == vk.ErrorOutOfHostMemory {
			return nil, a.oom(size, "vkCreateBuffer: "+ResultString(int32(r)))
		}
		return nil, vkErr("vkCreateBuffer", r)
	}
	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(dev, buf, &req)
	req.Deref()
	if req.MemoryTypeBits&(1<<a.typeIndex) == 0 {
		vk.DestroyBuffer(dev, buf, nil)
		return nil, fmt.Errorf("gpu: memory type %d cannot back storage buffers", a.typeIndex)
	}
	var mem vk.DeviceMemory
	mai := vk.MemoryAllocateInfo{
		SType:           vk.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: a.typeIndex,
	}
	r = vk.AllocateMemory(dev, &mai, nil, &mem)
	mai.Free()
	if r != vk.Success {
		vk.DestroyBuffer(dev, buf, nil)
		if r == vk.ErrorOutOfDeviceMemory || r == vk.ErrorOutOfHostMemory {
			return nil, a.oom(size, "vkAllocateMemory: "+ResultString(int32(r)))
		}
		return nil, vkErr("vkAllocateMemory", r)
	}
	if r := vk.BindBufferMemory(dev, buf, mem, 0); r != vk.Success {
		vk.DestroyBuffer(dev, buf, nil)
		vk.FreeMemory(dev, mem, nil)
		return nil, vkErr("vkBindBufferMemory", r)
	}
	b := &block{mem: mem, buf: buf, size: size, free: []span{{0, size}}}
	if a.hostVisible {
		var p unsafe.Pointer
		if r := vk.MapMemory(dev, mem, 0, vk.DeviceSize(vk.WholeSize), 0, &p); r != vk.Success {
			vk.DestroyBuffer(dev, buf, nil)
			vk.FreeMemory(dev, mem, nil)
			return nil, vkErr("vkMapMemory", r)
		}
		b.mapped = p
	}
	a.blocks = append(a.blocks, b)
	a.reserved += uint64(req.Size)
	return b, nil
}

// release puts a chunk that is no longer live nor pending into its class
// free list for reuse.
func (a *allocator) release(c chunk) {
	a.classes[c.size] = append(a.classes[c.size], c)
	a.cachedBytes += c.size
}

// retired follows a retired batch: it moves the demand window on and trims
// when Reserved exceeds limit, keeping one empty standard block in reserve.
func (a *allocator) retired() {
	a.retires++
	if a.retires%trimWindow == 0 {
		a.prevPeak, a.winPeak = a.winPeak, a.inUse
	}
	if a.reserved > a.limit(0) && (a.cachedBytes > 0 || a.hasEmptyBlock()) {
		a.trim(1)
	}
}

// trim returns cached chunks to their blocks and frees empty blocks but
// for keep empty blocks of the standard size.
func (a *allocator) trim(keep int) {
	for cls, l := range a.classes {
		for _, c := range l {
			c.blk.give(c)
		}
		delete(a.classes, cls)
	}
	a.cachedBytes = 0
	kept := a.blocks[:0]
	for _, b := range a.blocks {
		if b.used == 0 {
			if keep > 0 && b.size == a.blockSize {
				keep--
			} else {
				a.freeBlock(b)
				continue
			}
		}
		kept = append(kept, b)
	}
	for i := len(kept); i < len(a.blocks); i++ {
		a.blocks[i] = nil
	}
	a.blocks = kept
}

func (a *allocator) freeBlock(b *block) {
	dev := a.d.dev
	if b.mapped != nil {
		vk.UnmapMemory(dev, b.mem)
	}
	vk.DestroyBuffer(dev, b.buf, nil)
	vk.FreeMemory(dev, b.mem, nil)
	a.reserved -= b.size
}

func (a *allocator) destroy() {
	for _, b := range a.blocks {
		a.freeBlock(b)
	}
	a.blocks = nil
	a.classes = map[uint64][]chunk{}
}

// Buffer is a sub-allocated range of device memory usable as a storage
// buffer (and as copy source/destination). Its contents are undefined after
// Alloc. A Buffer belongs to one Device and must not be used after Free.
type Buffer struct {
	d         *Device
	a         *allocator
	c         chunk
	size      int
	lastUse   uint64 // serial of the last batch that accessed it
	lastWrite uint64 // serial of the last batch that wrote it
	freed     bool
}

// Alloc returns a buffer of bytes bytes (at least 1). Errors wrap
// ErrTooLarge when bytes exceeds maxStorageBufferRange (a single binding
// could not address it) and ErrOutOfMemory when memory is exhausted.
func (d *Device) Alloc(bytes int) (*Buffer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return nil, err
	}
	if bytes < 0 {
		return nil, fmt.Errorf("%w: Alloc(%d)", ErrInvalid, bytes)
	}
	n := uint64(max(bytes, 1))
	if n > d.mem.heapSize {
		return nil, d.mem.oom(n, "larger than the whole heap")
	}
	if n > d.info.MaxStorageBufferRange {
		return nil, fmt.Errorf("%w: buffer of %d bytes exceeds maxStorageBufferRange %d of %s",
			ErrTooLarge, n, d.info.MaxStorageBufferRange, d.info.Name)
	}
	d.reclaim()
	c, err := d.allocChunk(d.mem, n)
	if err != nil {
		return nil, err
	}
	return &Buffer{d: d, a: d.mem, c: c, size: bytes}, nil
}

// allocStaging returns a host-visible buffer; caller holds d.mu.
func (d *Device) allocStaging(n int) (*Buffer, error) {
	c, err := d.allocChunk(d.staging, uint64(max(n, 1)))
	if err != nil {
		return nil, err
	}
	return &Buffer{d: d, a: d.staging, c: c, size: n}, nil
}

// Free releases the buffer. If recorded or submitted work still uses it, the
// memory is reused only after that work completes, so it is safe to Free
// right after recording the last command that uses the buffer. Free is
// idempotent.
func (b *Buffer) Free() {
	if b == nil {
		return
	}
	d := b.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.freeLocked(b)
}

func (d *Device) freeLocked(b *Buffer) {
	if b.freed || d.closed {
		b.freed = true
		return
	}
	b.freed = true
	a := b.a
	a.inUse -= b.c.size
	a.buffers--
	if b.lastUse > d.rec.done {
		a.pending += b.c.size
		d.freeq = append(d.freeq, b)
		return
	}
	a.release(b.c)
}

// reclaim releases deferred frees whose work has completed and applies
// the trim policy. Only a retired batch can complete one (Free queues only
// buffers whose work is pending), so it runs once per retirement, not once
// per Alloc: per Alloc it made a batch of n short ops cost O(n²).
func (d *Device) reclaim() {
	if d.reclaimed == d.rec.done {
		return
	}
	d.reclaimed = d.rec.done
	defer func() {
		d.mem.retired()
		if d.staging != d.mem {
			d.staging.retired()
		}
	}()
	if len(d.freeq) == 0 {
		return
	}
	kept := d.freeq[:0]
	for _, b := range d.freeq {
		if b.lastUse <= d.rec.done {
			b.a.pending -= b.c.size
			b.a.release(b.c)
		} else {
			kept = append(kept, b)
		}
	}
	for i := len(kept); i < len(d.freeq); i++ {
		d.freeq[i] = nil
	}
	d.freeq = kept
}

// Trim returns cached free memory to the driver where whole blocks are
// unused. Allocation does this by itself when memory runs short.
func (d *Device) Trim() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.reclaim()
	d.mem.trim(0)
	if d.staging != d.mem {
		d.staging.trim(0)
	}
}

// Size is the size in bytes requested at Alloc.
func (b *Buffer) Size() int { return b.size }

// Range returns the byte range [offset, offset+size) of b with the given
// access; size 0 means to the end of the buffer.
func (b *Buffer) Range(offset, size int, access Access) BufferRange {
	return BufferRange{Buffer: b, Offset: offset, Size: size, Access: access}
}

// In returns the whole buffer as a range that is only read.
func (b *Buffer) In() BufferRange { return b.Range(0, 0, Read) }

// Out returns the whole buffer as a range that is only written.
func (b *Buffer) Out() BufferRange { return b.Range(0, 0, Write) }

// InOut returns the whole buffer as a range that is read and written.
func (b *Buffer) InOut() BufferRange { return b.Range(0, 0, ReadWrite) }

// MemoryStats reports allocator usage and heap budget.
func (d *Device) MemoryStats() MemoryStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return MemoryStats{}
	}
	a := d.mem
	s := MemoryStats{
		InUse:      int64(a.inUse),
		PeakInUse:  int64(a.peak),
		Pending:    int64(a.pending),
		Cached:     int64(a.reserved - a.inUse - a.pending),
		Reclaims:   a.reclaims,
		Reserved:   int64(a.reserved),
		Buffers:    a.buffers,
		Blocks:     len(a.blocks),
		HeapSize:   int64(a.heapSize),
		HeapBudget: int64(a.heapSize),
		HeapUsage:  int64(a.reserved),
	}
	if d.staging != d.mem {
		s.Staging = int64(d.staging.reserved)
	}
	if d.hasBudget {
		if b, u, ok := memoryBudget(d.inst, d.phys); ok && b[a.heapIndex] != 0 {
			s.HeapBudget, s.HeapUsage = int64(b[a.heapIndex]), int64(u[a.heapIndex])
		}
	}
	return s
}

// hostSlice returns the mapped bytes of b at [off, off+n).
func (b *Buffer) hostSlice(off, n int) []byte {
	p := unsafe.Add(b.c.blk.mapped, int(b.c.off)+off)
	return unsafe.Slice((*byte)(p), n)
}

// checkRange validates [off, off+n) against b; caller holds d.mu.
func (d *Device) checkRange(b *Buffer, off, n int, what string) error {
	if b == nil || b.d != d {
		return fmt.Errorf("%w: %s: buffer is nil or from another device", ErrInvalid, what)
	}
	if b.freed {
		return fmt.Errorf("%w: %s: buffer used after Free", ErrClosed, what)
	}
	if off < 0 || n < 0 || off+n > b.size {
		return fmt.Errorf("%w: %s: range [%d, %d) outside buffer of %d bytes", ErrInvalid, what, off, off+n, b.size)
	}
	return nil
}

// Upload copies data into dst at byte offset. When dst is host visible and
// no pending work touches it, this is a memcpy; otherwise the data goes
// through a staging buffer and a copy recorded in the current batch, so the
// upload is ordered after earlier recorded commands and before later ones.
func (d *Device) Upload(dst *Buffer, offset int, data []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if err := d.checkRange(dst, offset, len(data), "Upload"); err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	d.poll()
	if dst.a.hostVisible && dst.lastUse <= d.rec.done {
		copy(dst.hostSlice(offset, len(data)), data)
		return nil
	}
	if len(data) <= 65536 && offset%4 == 0 && len(data)%4 == 0 {
		// Small and aligned: vkCmdUpdateBuffer carries the bytes inside
		// the command buffer, no staging memory needed.
		return d.updateLocked(dst, offset, data)
	}
	st, err := d.allocStaging(len(data))
	if err != nil {
		return err
	}
	copy(st.hostSlice(0, len(data)), data)
	err = d.copyLocked(dst.Range(offset, len(data), Write), st.Range(0, len(data), Read))
	d.freeLocked(st)
	return err
}

// UploadFloat32 copies data into dst at byte offset (see Upload).
func (d *Device) UploadFloat32(dst *Buffer, offset int, data []float32) error {
	if len(data) == 0 {
		return d.Upload(dst, offset, nil)
	}
	return d.Upload(dst, offset, unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), 4*len(data)))
}

// Download copies len(out) bytes from src at byte offset into out. It
// submits the current batch and waits only if pending work writes src.
func (d *Device) Download(src *Buffer, offset int, out []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if err := d.checkRange(src, offset, len(out), "Download"); err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	if src.a == d.staging && src.a.hostVisible {
		if err := d.waitSerial(src.lastWrite); err != nil {
			return err
		}
		copy(out, src.hostSlice(offset, len(out)))
		return nil
	}
	st, err := d.allocStaging(len(out))
	if err != nil {
		return err
	}
	defer d.freeLocked(st)
	if err := d.copyLocked(st.Range(0, len(out), Write), src.Range(offset, len(out), Read)); err != nil {
		return err
	}
	if err := d.waitSerial(st.lastWrite); err != nil {
		return err
	}
	copy(out, st.hostSlice(0, len(out)))
	return nil
}

// DownloadFloat32 copies len(out) float32 values from src at byte offset.
func (d *Device) DownloadFloat32(src *Buffer, offset int, out []float32) error {
	if len(out) == 0 {
		return d.Download(src, offset, nil)
	}
	return d.Download(src, offset, unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*len(out)))
}
