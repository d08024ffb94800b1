//go:build cgo

package gpu

import (
	"fmt"
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Pipeline stage and access masks used by barriers (Vulkan 1.0 values).
const (
	stageCompute  = 0x800         // VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT
	stageTransfer = 0x1000        // VK_PIPELINE_STAGE_TRANSFER_BIT
	stageHost     = 0x4000        // VK_PIPELINE_STAGE_HOST_BIT
	accessRead    = 0x20 | 0x800  // SHADER_READ | TRANSFER_READ
	accessWrite   = 0x40 | 0x1000 // SHADER_WRITE | TRANSFER_WRITE
	accessHostR   = 0x2000        // HOST_READ
	workStages    = stageCompute | stageTransfer
	maxInFlight   = 3 // batches submitted but not waited for
)

// batch is one command buffer being recorded or in flight.
type batch struct {
	cmd    vk.CommandBuffer
	fence  vk.Fence
	serial uint64
	n      int // commands recorded
	bound  *Pipeline

	pools []vk.DescriptorPool // descriptor-set path only
	pool  int                 // index of the pool being filled

	qpool   vk.QueryPool // profiling: two timestamps per dispatch
	queries uint32
	names   []string
}

// tracked is a byte range of a block accessed since the last barrier.
type tracked struct {
	blk    *block
	lo, hi uint64
	write  bool
}

// recorder owns command buffers, fences and the hazard state of the
// current batch. All of it is guarded by Device.mu.
type recorder struct {
	cmdPool  vk.CommandPool
	cur      *batch
	inflight []*batch
	spare    []*batch
	all      []*batch
	next     uint64 // serial of the next batch
	done     uint64 // every batch with serial <= done has completed

	seen  []tracked // accesses since the last barrier in cur
	scr   []tracked // scratch for the command being recorded
	infos []bufferInfo
}

func (r *recorder) init(d *Device) error {
	ci := vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: d.family,
	}
	var pool vk.CommandPool
	res := vk.CreateCommandPool(d.dev, &ci, nil, &pool)
	ci.Free()
	if err := vkErr("vkCreateCommandPool", res); err != nil {
		return err
	}
	r.cmdPool = pool
	r.next = 1
	return nil
}

func (r *recorder) destroy(d *Device) {
	for _, b := range r.all {
		vk.DestroyFence(d.dev, b.fence, nil)
		for _, p := range b.pools {
			vk.DestroyDescriptorPool(d.dev, p, nil)
		}
		if b.qpool != vk.NullQueryPool {
			vk.DestroyQueryPool(d.dev, b.qpool, nil)
		}
	}
	r.all, r.spare, r.inflight, r.cur = nil, nil, nil, nil
	if d.timePool != vk.NullQueryPool {
		vk.DestroyQueryPool(d.dev, d.timePool, nil)
		d.timePool = vk.NullQueryPool
	}
	if r.cmdPool != vk.NullCommandPool {
		vk.DestroyCommandPool(d.dev, r.cmdPool, nil) // frees the command buffers
		r.cmdPool = vk.NullCommandPool
	}
}

func (d *Device) newBatch() (*batch, error) {
	r := &d.rec
	ai := vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        r.cmdPool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cmds := make([]vk.CommandBuffer, 1)
	res := vk.AllocateCommandBuffers(d.dev, &ai, cmds)
	ai.Free()
	if err := vkErr("vkAllocateCommandBuffers", res); err != nil {
		return nil, err
	}
	b := &batch{cmd: cmds[0]}
	fi := vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}
	var fence vk.Fence
	res = vk.CreateFence(d.dev, &fi, nil, &fence)
	fi.Free()
	if err := vkErr("vkCreateFence", res); err != nil {
		vk.FreeCommandBuffers(d.dev, r.cmdPool, 1, cmds)
		return nil, err
	}
	b.fence = fence
	if d.profiling && d.info.TimestampsSupported {
		qi := vk.QueryPoolCreateInfo{
			SType:      vk.StructureTypeQueryPoolCreateInfo,
			QueryType:  vk.QueryTypeTimestamp,
			QueryCount: uint32(2 * d.opts.MaxBatch),
		}
		var qp vk.QueryPool
		res = vk.CreateQueryPool(d.dev, &qi, nil, &qp)
		qi.Free()
		if res == vk.Success {
			b.qpool = qp
		}
	}
	r.all = append(r.all, b)
	return b, nil
}

// batch returns the current batch, beginning a new one if needed. Caller
// holds d.mu.
func (d *Device) batch() (*batch, error) {
	r := &d.rec
	if r.cur != nil {
		return r.cur, nil
	}
	d.poll()
	var b *batch
	if n := len(r.spare); n > 0 {
		b, r.spare = r.spare[n-1], r.spare[:n-1]
	} else {
		var err error
		if b, err = d.newBatch(); err != nil {
			return nil, d.fail(err)
		}
	}
	res := d.fns.begin(b.cmd)
	if err := vkErr("vkBeginCommandBuffer", res); err != nil {
		r.spare = append(r.spare, b)
		return nil, d.fail(err)
	}
	b.serial = r.next
	r.next++
	b.n, b.bound, b.queries, b.names = 0, nil, 0, b.names[:0]
	// Earlier batches may still run: order this batch's work after theirs.
	// One global barrier per batch is cheaper than tracking across submits.
	d.fns.barrier(b.cmd, workStages, workStages, accessWrite, accessRead|accessWrite)
	if b.qpool != vk.NullQueryPool {
		vk.CmdResetQueryPool(b.cmd, b.qpool, 0, uint32(2*d.opts.MaxBatch))
	}
	r.seen = r.seen[:0]
	r.cur = b
	return b, nil
}

// track resolves ranges, inserts a barrier if they conflict with accesses
// since the last barrier (RAW, WAW or WAR) and records them. It also stamps
// the buffers with the batch serial for deferred frees and downloads.
func (d *Device) track(b *batch, ranges []BufferRange) {
	r := &d.rec
	hazard := false
	for _, t := range r.scr {
		for _, s := range r.seen {
			if s.blk == t.blk && t.lo < s.hi && s.lo < t.hi && (s.write || t.write) {
				hazard = true
				break
			}
		}
		if hazard {
			break
		}
	}
	if hazard {
		d.fns.barrier(b.cmd, workStages, workStages, accessWrite, accessRead|accessWrite)
		d.stats.Barriers++
		r.seen = r.seen[:0]
	}
	r.seen = append(r.seen, r.scr...)
	for _, br := range ranges {
		br.Buffer.lastUse = b.serial
		if br.Access != Read {
			br.Buffer.lastWrite = b.serial
		}
	}
}

// resolve validates ranges and fills rec.scr (and rec.infos when infos is
// true). Caller holds d.mu.
func (d *Device) resolve(ranges []BufferRange, infos bool, what string) error {
	r := &d.rec
	r.scr = r.scr[:0]
	r.infos = r.infos[:0]
	for i, br := range ranges {
		b := br.Buffer
		size := br.Size
		if b != nil && size == 0 {
			size = b.size - br.Offset
		}
		if b == nil || b.d != d || b.freed || br.Offset < 0 || size < 0 || br.Offset+size > b.size {
			// Format the context only on the error path: this runs per dispatch.
			return d.checkRange(b, br.Offset, size, fmt.Sprintf("%s binding %d", what, i))
		}
		lo := b.c.off + uint64(br.Offset)
		if infos {
			if uint64(br.Offset)%d.info.MinStorageBufferOffsetAlign != 0 {
				return fmt.Errorf("%w: %s binding %d: offset %d not a multiple of minStorageBufferOffsetAlignment %d",
					ErrInvalid, what, i, br.Offset, d.info.MinStorageBufferOffsetAlign)
			}
			if size == 0 {
				size = 1 // zero-sized descriptors are invalid; the shader reads nothing anyway
				if br.Offset+1 > int(b.c.size) {
					lo--
				}
			}
			r.infos = append(r.infos, makeBufferInfo(b.c.blk.buf, lo, uint64(size)))
		}
		// Read-write ranges count as writes: that conflicts with earlier
		// reads and writes, which is exactly what they need.
		r.scr = append(r.scr, tracked{blk: b.c.blk, lo: lo, hi: lo + uint64(size), write: br.Access != Read})
	}
	return nil
}

// Dispatch records a dispatch of p over groups workgroups into the current
// batch. bindings are bound to bindings 0..n-1 of set 0 in order (their
// Access decides the barriers), push is copied into the push-constant block
// (at most PipelineDesc.PushBytes), and name labels the dispatch in the
// profile ("" means the pipeline's name). Nothing runs until the batch is
// submitted (Flush, Sync, Download or the MaxBatch bound).
func (d *Device) Dispatch(p *Pipeline, bindings []BufferRange, push []byte, groups [3]uint32, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if p == nil || p.d != d {
		return fmt.Errorf("%w: Dispatch: pipeline is nil or from another device", ErrInvalid)
	}
	if len(bindings) != p.bindings {
		return fmt.Errorf("%w: Dispatch %s: %d bindings given, pipeline has %d", ErrInvalid, p.name, len(bindings), p.bindings)
	}
	if len(push) > p.push {
		return fmt.Errorf("%w: Dispatch %s: %d push-constant bytes given, pipeline has %d", ErrInvalid, p.name, len(push), p.push)
	}
	for i, g := range groups {
		if g > d.info.MaxComputeWorkGroupCount[i] {
			return fmt.Errorf("%w: Dispatch %s: %d groups in dimension %d exceeds maxComputeWorkGroupCount %d",
				ErrTooLarge, p.name, g, i, d.info.MaxComputeWorkGroupCount[i])
		}
	}
	if err := d.resolve(bindings, true, p.what); err != nil {
		return err
	}
	for i := range d.rec.infos {
		if uint64(d.rec.infos[i]._range) > d.info.MaxStorageBufferRange {
			return fmt.Errorf("%w: Dispatch %s binding %d: %d bytes exceeds maxStorageBufferRange %d",
				ErrTooLarge, p.name, i, uint64(d.rec.infos[i]._range), d.info.MaxStorageBufferRange)
		}
	}
	if groups[0] == 0 || groups[1] == 0 || groups[2] == 0 {
		return nil // an empty dispatch does nothing; skip it entirely
	}
	b, err := d.batch()
	if err != nil {
		return err
	}
	d.track(b, bindings)
	if b.bound != p {
		vk.CmdBindPipeline(b.cmd, vk.PipelineBindPointCompute, p.pipe)
		b.bound = p
	}
	if p.bindings > 0 {
		if d.pushDesc {
			d.fns.pushDescriptors(b.cmd, p.l.layout, d.rec.infos)
		} else if err := d.bindSet(b, p); err != nil {
			return d.fail(err)
		}
	}
	if len(push) > 0 {
		vk.CmdPushConstants(b.cmd, p.l.layout, vk.ShaderStageFlags(vk.ShaderStageComputeBit), 0, uint32(len(push)), unsafe.Pointer(&push[0]))
	}
	timed := b.qpool != vk.NullQueryPool && b.queries+2 <= uint32(2*d.opts.MaxBatch)
	if timed {
		vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, b.qpool, b.queries)
	}
	vk.CmdDispatch(b.cmd, groups[0], groups[1], groups[2])
	if timed {
		vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, b.qpool, b.queries+1)
		b.queries += 2
		if name == "" {
			name = p.name
		}
		b.names = append(b.names, name)
	}
	d.stats.Dispatches++
	return d.counted(b)
}

// counted bumps the batch's command count and submits at the bound.
func (d *Device) counted(b *batch) error {
	b.n++
	if b.n >= d.opts.MaxBatch {
		return d.submit()
	}
	return nil
}

// bindSet is the fallback without push descriptors: sets come from pools
// owned by the batch and are recycled when its fence signals.
func (d *Device) bindSet(b *batch, p *Pipeline) error {
	for attempt := 0; attempt < 2; attempt++ {
		if b.pool == len(b.pools) {
			const sets = 1024
			pool, res := createDescriptorPool(d.inst, d.dev, sets, 8)
			if err := vkErr("vkCreateDescriptorPool", res); err != nil {
				return err
			}
			b.pools = append(b.pools, pool)
		}
		res := d.fns.bindSet(d.dev, b.cmd, b.pools[b.pool], p.l.setLayout, p.l.layout, d.rec.infos)
		switch res {
		case vk.Success:
			return nil
		case -1000069000, -12: // VK_ERROR_OUT_OF_POOL_MEMORY, VK_ERROR_FRAGMENTED_POOL
			b.pool++
		default:
			return vkErr("vkAllocateDescriptorSets", res)
		}
	}
	return fmt.Errorf("gpu: cannot allocate a descriptor set for %s", p.name)
}

// CopyBuffer records a copy of src into dst (sizes: dst.Size if set, else
// src.Size, else the rest of src). Access fields are ignored: src is read
// and dst written.
func (d *Device) CopyBuffer(dst, src BufferRange) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	return d.copyLocked(dst, src)
}

func (d *Device) copyLocked(dst, src BufferRange) error {
	n := dst.Size
	if n == 0 {
		n = src.Size
	}
	if n == 0 && src.Buffer != nil {
		n = src.Buffer.size - src.Offset
	}
	dst.Size, dst.Access = n, Write
	src.Size, src.Access = n, Read
	if n <= 0 {
		return nil
	}
	ranges := [2]BufferRange{src, dst}
	if err := d.resolve(ranges[:], false, "CopyBuffer"); err != nil {
		return err
	}
	if src.Buffer == dst.Buffer && src.Offset < dst.Offset+n && dst.Offset < src.Offset+n {
		return fmt.Errorf("%w: CopyBuffer: source and destination overlap", ErrInvalid)
	}
	b, err := d.batch()
	if err != nil {
		return err
	}
	d.track(b, ranges[:])
	d.fns.copy(b.cmd, src.Buffer.c.blk.buf, dst.Buffer.c.blk.buf,
		src.Buffer.c.off+uint64(src.Offset), dst.Buffer.c.off+uint64(dst.Offset), uint64(n))
	d.stats.Copies++
	return d.counted(b)
}

// FillBuffer records filling dst with a repeated 32-bit value (vkCmdFillBuffer;
// offset and size must be multiples of 4).
func (d *Device) FillBuffer(dst BufferRange, value uint32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if dst.Buffer != nil && dst.Size == 0 {
		dst.Size = dst.Buffer.size - dst.Offset
	}
	dst.Access = Write
	if dst.Offset%4 != 0 || dst.Size%4 != 0 {
		return fmt.Errorf("%w: FillBuffer: offset %d and size %d must be multiples of 4", ErrInvalid, dst.Offset, dst.Size)
	}
	ranges := [1]BufferRange{dst}
	if err := d.resolve(ranges[:], false, "FillBuffer"); err != nil {
		return err
	}
	if dst.Size == 0 {
		return nil
	}
	b, err := d.batch()
	if err != nil {
		return err
	}
	d.track(b, ranges[:])
	vk.CmdFillBuffer(b.cmd, dst.Buffer.c.blk.buf, vk.DeviceSize(dst.Buffer.c.off+uint64(dst.Offset)), vk.DeviceSize(dst.Size), value)
	d.stats.Copies++
	return d.counted(b)
}

// updateLocked records vkCmdUpdateBuffer (data: at most 64 KiB, offset and
// size multiples of 4). The data is copied into the command buffer.
func (d *Device) updateLocked(dst *Buffer, offset int, data []byte) error {
	ranges := [1]BufferRange{dst.Range(offset, len(data), Write)}
	if err := d.resolve(ranges[:], false, "Upload"); err != nil {
		return err
	}
	b, err := d.batch()
	if err != nil {
		return err
	}
	d.track(b, ranges[:])
	vk.CmdUpdateBuffer(b.cmd, dst.c.blk.buf, vk.DeviceSize(dst.c.off+uint64(offset)), vk.DeviceSize(len(data)), (*uint32)(unsafe.Pointer(&data[0])))
	d.stats.Copies++
	return d.counted(b)
}

// submit ends and submits the current batch without waiting. Caller holds d.mu.
func (d *Device) submit() error {
	r := &d.rec
	b := r.cur
	if b == nil {
		return d.err
	}
	r.cur = nil
	r.seen = r.seen[:0]
	// Make results visible to the host for Download after the fence wait.
	d.fns.barrier(b.cmd, workStages, stageHost, accessWrite, accessHostR)
	if err := vkErr("vkEndCommandBuffer", vk.EndCommandBuffer(b.cmd)); err != nil {
		r.spare = append(r.spare, b)
		return d.fail(err)
	}
	res := d.fns.submit(d.queue, b.cmd, b.fence)
	if err := vkErr("vkQueueSubmit", res); err != nil {
		r.spare = append(r.spare, b)
		return d.fail(err)
	}
	d.stats.Submits++
	r.inflight = append(r.inflight, b)
	for len(r.inflight) > maxInFlight {
		if err := d.waitOldest(); err != nil {
			return err
		}
	}
	return nil
}

// waitOldest blocks on the oldest in-flight batch and retires it.
func (d *Device) waitOldest() error {
	r := &d.rec
	b := r.inflight[0]
	d.stats.Waits++
	// Poll briefly before blocking: a short batch finishes within
	// microseconds, and a blocking wait's sleep and wake-up cost more
	// (Options.SpinWait).
	res, op := vk.NotReady, "vkGetFenceStatus"
	for start := time.Now(); time.Since(start) < d.spin; {
		if res = vk.GetFenceStatus(d.dev, b.fence); res != vk.NotReady {
			break
		}
	}
	if res == vk.NotReady {
		res, op = vk.WaitForFences(d.dev, 1, []vk.Fence{b.fence}, vk.True, ^uint64(0)), "vkWaitForFences"
	}
	if err := vkErr(op, res); err != nil {
		return d.fail(err)
	}
	return d.retire()
}

// poll retires in-flight batches whose fences have signalled.
func (d *Device) poll() {
	r := &d.rec
	for len(r.inflight) > 0 {
		res := vk.GetFenceStatus(d.dev, r.inflight[0].fence)
		if res == vk.NotReady {
			return
		}
		if res != vk.Success {
			d.fail(vkErr("vkGetFenceStatus", res))
			return
		}
		if d.retire() != nil {
			return
		}
	}
}

// retire finishes the oldest in-flight batch, whose fence has signalled.
func (d *Device) retire() error {
	r := &d.rec
	b := r.inflight[0]
	copy(r.inflight, r.inflight[1:])
	r.inflight[len(r.inflight)-1] = nil
	r.inflight = r.inflight[:len(r.inflight)-1]
	r.done = b.serial
	if b.queries > 0 {
		d.collectProfile(b)
	}
	for _, p := range b.pools[:min(b.pool+1, len(b.pools))] {
		vk.ResetDescriptorPool(d.dev, p, 0)
	}
	b.pool = 0
	res := vk.ResetFences(d.dev, 1, []vk.Fence{b.fence})
	r.spare = append(r.spare, b)
	d.reclaim()
	if err := vkErr("vkResetFences", res); err != nil {
		return d.fail(err)
	}
	return nil
}

// waitSerial makes sure the batch with serial s has completed, submitting
// the current batch first if s is it. Caller holds d.mu.
func (d *Device) waitSerial(s uint64) error {
	r := &d.rec
	if s <= r.done {
		return d.err
	}
	if r.cur != nil && s >= r.cur.serial {
		if err := d.submit(); err != nil {
			return err
		}
	}
	for s > r.done && len(r.inflight) > 0 {
		if err := d.waitOldest(); err != nil {
			return err
		}
	}
	return d.err
}

// Flush submits the current batch without waiting for it.
func (d *Device) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if d.err != nil {
		return d.err
	}
	return d.submit()
}

// Sync submits the current batch and waits until all submitted work has
// completed. It returns the sticky error if the device has failed.
func (d *Device) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	return d.syncLocked()
}

func (d *Device) syncLocked() error {
	if d.err != nil {
		return d.err
	}
	if err := d.submit(); err != nil {
		return err
	}
	for len(d.rec.inflight) > 0 {
		if err := d.waitOldest(); err != nil {
			return err
		}
	}
	return d.err
}
