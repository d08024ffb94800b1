//go:build cgo

package gpu

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// ticks converts a timestamp difference to a duration, honouring the
// queue's valid bits (timestamps wrap at 2^validBits).
func (d *Device) ticks(start, end uint64) time.Duration {
	delta := end - start
	if d.tsBits > 0 && d.tsBits < 64 {
		delta &= 1<<d.tsBits - 1
	}
	return time.Duration(float64(delta) * float64(d.info.TimestampPeriod))
}

// collectProfile reads a retired batch's timestamps into the profile.
func (d *Device) collectProfile(b *batch) {
	ts := make([]uint64, b.queries)
	res := vk.GetQueryPoolResults(d.dev, b.qpool, 0, b.queries, uint(8*len(ts)), unsafe.Pointer(&ts[0]), 8,
		vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
	if res != vk.Success {
		return
	}
	for i, name := range b.names {
		k := d.prof[name]
		if k == nil {
			k = &KernelTime{Name: name}
			d.prof[name] = k
		}
		k.Count++
		k.Total += d.ticks(ts[2*i], ts[2*i+1])
	}
}

// Profile returns the accumulated GPU time per kernel name for completed
// work, largest total first. It is empty unless profiling is on
// (Options.Profile or VKT_PROFILE=1) and the queue supports timestamps.
// Call Sync first to include the latest work.
func (d *Device) Profile() []KernelTime {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.profileLocked()
}

func (d *Device) profileLocked() []KernelTime {
	out := make([]KernelTime, 0, len(d.prof))
	for _, k := range d.prof {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// ResetProfile clears the accumulated profile.
func (d *Device) ResetProfile() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.prof = map[string]*KernelTime{}
}

// PrintProfile writes the profile as a table: kernel, calls, total, mean and
// share of the total GPU time.
func (d *Device) PrintProfile(w io.Writer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.printProfileLocked(w)
}

func (d *Device) printProfileLocked(w io.Writer) {
	ks := d.profileLocked()
	var total time.Duration
	for _, k := range ks {
		total += k.Total
	}
	fmt.Fprintf(w, "GPU profile on %s (%d kernels, %v total)\n", d.info.Name, len(ks), total)
	fmt.Fprintf(w, "%-40s %8s %12s %12s %6s\n", "kernel", "calls", "total", "mean", "share")
	for _, k := range ks {
		share := 0.0
		if total > 0 {
			share = 100 * float64(k.Total) / float64(total)
		}
		fmt.Fprintf(w, "%-40s %8d %12v %12v %5.1f%%\n", k.Name, k.Count, k.Total, k.Total/time.Duration(max(k.Count, 1)), share)
	}
}

// TimeGPU measures the GPU time of the work f records: it waits for earlier
// recorded work to finish on the GPU, writes a timestamp, runs f (which
// records dispatches as usual, possibly across several batches), writes a
// second timestamp and waits. It works without Options.Profile. f must not
// call TimeGPU.
func (d *Device) TimeGPU(f func()) (time.Duration, error) {
	d.mu.Lock()
	if err := d.usable(); err != nil {
		d.mu.Unlock()
		return 0, err
	}
	if !d.info.TimestampsSupported {
		d.mu.Unlock()
		return 0, errors.New("gpu: TimeGPU: the compute queue has no timestamps")
	}
	if d.timePool == vk.NullQueryPool {
		qi := vk.QueryPoolCreateInfo{SType: vk.StructureTypeQueryPoolCreateInfo, QueryType: vk.QueryTypeTimestamp, QueryCount: 2}
		var qp vk.QueryPool
		res := vk.CreateQueryPool(d.dev, &qi, nil, &qp)
		qi.Free()
		if err := vkErr("vkCreateQueryPool", res); err != nil {
			d.mu.Unlock()
			return 0, err
		}
		d.timePool = qp
	}
	b, err := d.batch()
	if err != nil {
		d.mu.Unlock()
		return 0, err
	}
	vk.CmdResetQueryPool(b.cmd, d.timePool, 0, 2)
	vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, d.timePool, 0)
	d.mu.Unlock()

	f()

	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return 0, err
	}
	if b, err = d.batch(); err != nil {
		return 0, err
	}
	vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, d.timePool, 1)
	if err := d.syncLocked(); err != nil {
		return 0, err
	}
	var ts [2]uint64
	res := vk.GetQueryPoolResults(d.dev, d.timePool, 0, 2, 16, unsafe.Pointer(&ts[0]), 8,
		vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
	if err := vkErr("vkGetQueryPoolResults", res); err != nil {
		return 0, err
	}
	return d.ticks(ts[0], ts[1]), nil
}
