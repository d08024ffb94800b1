package gpu

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// fillHeap allocates buffers of maxStorageBufferRange bytes until the heap
// is exhausted (their pages are never touched, so this is cheap) and
// records a small fill into each, so that every one is used by the batch
// being recorded.
func fillHeap(t *testing.T, d *Device) []*Buffer {
	t.Helper()
	r := int(d.info.MaxStorageBufferRange)
	var bufs []*Buffer
	for {
		b, err := d.Alloc(r)
		if errors.Is(err, ErrOutOfMemory) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := d.FillBuffer(b.Range(0, 256, Write), 7); err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	if len(bufs) < 3 {
		t.Skipf("heap holds only %d buffers of %d MiB", len(bufs), r>>20)
	}
	return bufs
}

// TestAllocAfterFreeInBatch fills the heap, releases two of the buffers
// while the work that uses them is still recorded or in flight, and
// allocates again at once: the allocation must wait for that work rather
// than report out of memory, both for the same size (the freed chunks are
// reused) and for other sizes (their blocks go back to the driver to make
// room for new ones).
func TestAllocAfterFreeInBatch(t *testing.T) {
	r := 0
	for _, c := range []struct {
		name  string
		flush bool // submit the batch before freeing: the frees wait for a batch in flight
		sizes func(r int) []int
	}{
		{"recorded/same size", false, func(r int) []int { return []int{r, r} }},
		{"in flight/same size", true, func(r int) []int { return []int{r, r} }},
		{"recorded/other sizes", false, func(r int) []int { return []int{r * 3 / 4, r * 3 / 4, r / 5} }},
		{"in flight/other sizes", true, func(r int) []int { return []int{r - 4096, r / 2, r / 4, r / 5} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := open(t, Options{})
			r = int(d.info.MaxStorageBufferRange)
			bufs := fillHeap(t, d)
			if c.flush {
				if err := d.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			bufs[0].Free()
			bufs[1].Free()
			bufs = bufs[2:]
			for _, n := range c.sizes(r) {
				b, err := d.Alloc(n)
				if err != nil {
					t.Fatalf("Alloc(%d MiB) after freeing two %d MiB buffers: %v", n>>20, r>>20, err)
				}
				if err := d.FillBuffer(b.Range(0, 256, Write), 1); err != nil {
					t.Fatal(err)
				}
				bufs = append(bufs, b)
			}
			// Work recorded before and after the allocation split the batch
			// still runs in order: the new buffer got 1s, then a copy of
			// the 7s filled into a held buffer before the split.
			nb := bufs[len(bufs)-1]
			if err := d.CopyBuffer(nb.Range(256, 256, Write), bufs[0].Range(0, 256, Read)); err != nil {
				t.Fatal(err)
			}
			got := make([]uint32, 128)
			if err := d.Download(nb, 0, unsafe.Slice((*byte)(unsafe.Pointer(&got[0])), 512)); err != nil {
				t.Fatal(err)
			}
			if got[0] != 1 || got[63] != 1 || got[64] != 7 || got[127] != 7 {
				t.Errorf("new buffer holds %v…%v, want 1s then 7s", got[:2], got[126:])
			}
			// The heap is really full again: one more buffer of the freed
			// size does not fit, and fails cleanly.
			if b, err := d.Alloc(r); !errors.Is(err, ErrOutOfMemory) {
				t.Errorf("Alloc beyond the heap: %v, want ErrOutOfMemory", err)
				b.Free()
			}
			for _, b := range bufs {
				b.Free()
			}
			if err := d.Sync(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", d.MemoryStats())
		})
	}
}

// mlpStep lists the buffer sizes one training step of the MNIST MLP
// (784-1024-1024-10, batch 256) allocates and frees: input, activations,
// logits and loss, then their gradients and the weight gradients.
var mlpStep = []int{
	256 * 784 * 4, 256 * 4, // batch
	256 * 1024 * 4, 256 * 1024 * 4, 256 * 1024 * 4, 256 * 1024 * 4, // two hidden layers
	256 * 10 * 4, 256 * 10 * 4, 256 * 10 * 4, 4, // logits, softmax, loss
	256 * 10 * 4, 1024 * 10 * 4, 10 * 4, // output layer backward
	256 * 1024 * 4, 256 * 1024 * 4, 1024 * 1024 * 4, 1024 * 4, // second layer backward
	256 * 1024 * 4, 256 * 1024 * 4, 784 * 1024 * 4, 1024 * 4, // first layer backward
}

// mlpParams are the MLP's weights and biases; training keeps them and as
// much again of optimizer state.
var mlpParams = []int{784 * 1024 * 4, 1024 * 4, 1024 * 1024 * 4, 1024 * 4, 1024 * 10 * 4, 10 * 4}

// memWatch samples MemoryStats and checks that Reserved stays within twice
// the peak of InUse plus one block. It also records the figures without
// the held bytes (buffers in blocks of their own outside the loop's
// working set), which the log reports.
type memWatch struct {
	t                   *testing.T
	d                   *Device
	held                int64
	peak, maxR, maxPend int64
	failed              bool
}

func (w *memWatch) check(where string) {
	w.t.Helper()
	s := w.d.MemoryStats()
	if s.PeakInUse < s.InUse || s.Cached < 0 || s.Reserved != s.InUse+s.Pending+s.Cached {
		w.t.Fatalf("%s: inconsistent %+v", where, s)
	}
	w.peak = max(w.peak, s.InUse-w.held)
	w.maxR = max(w.maxR, s.Reserved-w.held)
	w.maxPend = max(w.maxPend, s.Pending)
	if limit := 2*s.PeakInUse + int64(w.d.mem.blockSize); s.Reserved > limit && !w.failed {
		w.failed = true
		w.t.Errorf("%s: Reserved %d MiB beyond 2×peak InUse %d MiB + one block: %+v",
			where, s.Reserved>>20, s.PeakInUse>>20, s)
	}
}

// TestReservedBoundLoop runs 500 steps of MLP-sized allocations whose work
// is recorded into batches, freeing each step's buffers at its end (as
// tensor.Step does) with no sync at all, once with the heap to ourselves
// and once with all but 128 MiB of it held by kept buffers. No allocation
// may fail, and Reserved stays within 2× the peak of InUse plus one block
// (which the first run tests; in the second the heap is the tighter bound).
// Before allocations reclaimed pending frees, the first ran out of the
// whole heap at step 118 and the second at step 6.
func TestReservedBoundLoop(t *testing.T) {
	for _, hold := range []bool{false, true} {
		name := "free heap"
		if hold {
			name = "heap held"
		}
		t.Run(name, func(t *testing.T) {
			d := open(t, Options{})
			w := &memWatch{t: t, d: d}
			if hold {
				r := int(d.info.MaxStorageBufferRange)
				for w.held+int64(r) <= int64(d.mem.heapSize)-128<<20 {
					b, err := d.Alloc(r)
					if err != nil {
						t.Fatal(err)
					}
					defer b.Free()
					w.held += int64(b.c.size)
				}
				if s := d.MemoryStats(); s.Reserved != w.held || r <= int(d.mem.blockSize) {
					t.Fatalf("held buffers are not in blocks of their own: %+v", s)
				}
			}
			var params []*Buffer
			for _, n := range append(mlpParams, mlpParams...) {
				b, err := d.Alloc(n)
				if err != nil {
					t.Fatal(err)
				}
				if err := d.FillBuffer(b.Out(), 0); err != nil {
					t.Fatal(err)
				}
				params = append(params, b)
			}
			live := make([]*Buffer, 0, len(mlpStep))
			for step := range 500 {
				for i, n := range mlpStep {
					b, err := d.Alloc(n)
					if err != nil {
						t.Fatalf("step %d, buffer %d (%d bytes): %v; %+v", step, i, n, err, d.MemoryStats())
					}
					// Read something earlier and write the new buffer, as an op would.
					src := params[i%len(params)]
					if len(live) > 0 {
						src = live[len(live)-1]
					}
					m := min(256, n, src.Size()) &^ 3
					if err := d.CopyBuffer(b.Range(0, m, Write), src.Range(0, m, Read)); err != nil {
						t.Fatal(err)
					}
					live = append(live, b)
					if i%7 == 3 { // a reduction's scratch buffer, freed inside the step
						s, err := d.Alloc(n / 3)
						if err != nil {
							t.Fatalf("step %d, scratch %d: %v", step, i, err)
						}
						if err := d.FillBuffer(s.Range(0, 4, Write), 0); err != nil {
							t.Fatal(err)
						}
						s.Free()
					}
					w.check("step " + itoa(step))
				}
				for _, b := range live {
					b.Free()
				}
				live = live[:0]
			}
			if err := d.Sync(); err != nil {
				t.Fatal(err)
			}
			w.check("end")
			for _, b := range params {
				b.Free()
			}
			t.Logf("over 500 steps, not counting %d MiB held: peak InUse %.1f MiB, max Reserved %.1f MiB, max Pending %.1f MiB; RSS %s; at the end %+v",
				w.held>>20, float64(w.peak)/mib, float64(w.maxR)/mib, float64(w.maxPend)/mib, rss(), d.MemoryStats())
		})
	}
}

func itoa(i int) string { return fmt.Sprint(i) }

// rss is the VmRSS line of /proc/self/status ("?" where there is none).
func rss() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// TestTrimAfterSpike checks the trim policy: after a spike of use, Reserved
// comes back within twice the recent demand plus one block once two
// windows of batches have retired, with one empty block kept in reserve,
// while a steady loop keeps what it uses.
func TestTrimAfterSpike(t *testing.T) {
	d := open(t, Options{})
	bs := int64(d.mem.blockSize)
	var spike []*Buffer
	for range 6 {
		for _, n := range []int{int(bs) / 2, int(bs) / 3, int(bs) / 5} {
			b, err := d.Alloc(n)
			if err != nil {
				t.Fatal(err)
			}
			spike = append(spike, b)
		}
	}
	for _, b := range spike {
		b.Free()
	}
	high := d.MemoryStats()
	if high.Reserved < 4*bs {
		t.Fatalf("spike reserved only %+v", high)
	}
	small := func() {
		b, err := d.Alloc(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.FillBuffer(b.Out(), 1); err != nil {
			t.Fatal(err)
		}
		b.Free()
		if err := d.Sync(); err != nil { // one retired batch per iteration
			t.Fatal(err)
		}
	}
	for range 2 * trimWindow {
		small()
	}
	s := d.MemoryStats()
	if s.Reserved > 2*(1<<20)+bs || s.Blocks != 1 {
		t.Errorf("after the spike (%d MiB reserved) and %d small batches: %+v, want one block", high.Reserved>>20, 2*trimWindow, s)
	}
	for range 3 * trimWindow {
		small()
	}
	if s2 := d.MemoryStats(); s2.Blocks != 1 || s2.Reserved != s.Reserved {
		t.Errorf("steady loop: %+v, then %+v", s, s2)
	}
	t.Logf("spike %d MiB reserved, then %d MiB", high.Reserved>>20, s.Reserved>>20)
}
