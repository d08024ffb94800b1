//go:build cgo

package gpu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// open returns a validated device on any implementation (lavapipe included)
// and fails the test on any validation message. It skips when Vulkan is
// not installed.
func open(t *testing.T, opts Options) *Device {
	t.Helper()
	opts.AllowCPU = true
	opts.Validate = true
	opts.OnValidation = func(msg string) { t.Errorf("validation: %s", msg) }
	d, err := Open(opts)
	if errors.Is(err, ErrNoLoader) {
		t.Skipf("no Vulkan loader: %v", err)
	}
	if errors.Is(err, ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func axpy(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/axpy.spv")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func push(n uint32, bias float32) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint32(b[:], n)
	binary.LittleEndian.PutUint32(b[4:], math.Float32bits(bias))
	return b[:]
}

func TestDevices(t *testing.T) {
	devs, err := Devices()
	if errors.Is(err, ErrNoLoader) {
		t.Skipf("no Vulkan loader: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Skip("no Vulkan devices")
	}
	for _, d := range devs {
		t.Logf("%s: subgroup %d [%d,%d] shared %d invocations %d range %d maxAlloc %d local %d MiB ts %.2fns push-desc %v coopmat %v arith %v f16 %v i8 %v s16 %v s8 %v",
			d, d.SubgroupSize, d.MinSubgroupSize, d.MaxSubgroupSize, d.MaxComputeSharedMemorySize,
			d.MaxComputeWorkGroupInvocations, d.MaxStorageBufferRange, d.MaxMemoryAllocationSize, d.DeviceLocalBytes>>20,
			d.TimestampPeriod, d.PushDescriptors, d.CooperativeMatrix, d.SubgroupArithmetic, d.Float16, d.Int8, d.Storage16Bit, d.Storage8Bit)
		if d.Name == "" || d.MaxComputeWorkGroupInvocations == 0 || d.MaxStorageBufferRange == 0 || d.APIVersion == 0 {
			t.Errorf("incomplete info: %+v", d)
		}
	}
}

func TestAxpyChain(t *testing.T) {
	for _, noPush := range []bool{false, true} {
		name := "push-descriptors"
		if noPush {
			name = "descriptor-sets"
		}
		t.Run(name, func(t *testing.T) {
			d := open(t, Options{NoPushDescriptors: noPush})
			const n = 1000
			const reps = 200
			x, _ := d.Alloc(4 * n)
			y, _ := d.Alloc(4 * n)
			defer x.Free()
			defer y.Free()
			xs := make([]float32, n)
			for i := range xs {
				xs[i] = float32(i)
			}
			if err := d.UploadFloat32(x, 0, xs); err != nil {
				t.Fatal(err)
			}
			if err := d.FillBuffer(y.Out(), 0); err != nil {
				t.Fatal(err)
			}
			p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(2)}, Bindings: 2, PushBytes: 8})
			if err != nil {
				t.Fatal(err)
			}
			for r := 0; r < reps; r++ {
				if err := d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(n, 1), [3]uint32{Groups(n, 64), 1, 1}, ""); err != nil {
					t.Fatal(err)
				}
			}
			out := make([]float32, n)
			if err := d.DownloadFloat32(y, 0, out); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				want := float32(reps) * (2*float32(i) + 1)
				if v != want {
					t.Fatalf("y[%d] = %v, want %v", i, v, want)
				}
			}
			s := d.Stats()
			t.Logf("stats %+v", s)
			if s.Submits > 2 {
				t.Errorf("%d submits for one batch", s.Submits)
			}
			if s.Barriers < reps-1 {
				t.Errorf("%d barriers for a chain of %d dependent dispatches", s.Barriers, reps)
			}
		})
	}
}

func TestAllocFreeReuse(t *testing.T) {
	d := open(t, Options{})
	s0 := d.MemoryStats()
	a, err := d.Alloc(1000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Alloc(1000)
	c, _ := d.Alloc(3 << 20)
	s1 := d.MemoryStats()
	if s1.Buffers != s0.Buffers+3 || s1.InUse < s0.InUse+2000+3<<20 || s1.Blocks != 1 {
		t.Errorf("after 3 allocs: %+v", s1)
	}
	if a.c.off%d.info.MinStorageBufferOffsetAlign != 0 || b.c.off%d.info.MinStorageBufferOffsetAlign != 0 {
		t.Errorf("misaligned offsets %d %d", a.c.off, b.c.off)
	}
	if a.c.blk != b.c.blk || a.c.off == b.c.off {
		t.Errorf("expected two ranges of one block")
	}
	off := a.c.off
	a.Free()
	a.Free()              // idempotent
	a2, _ := d.Alloc(900) // same size class: reuses a's range
	if a2.c.off != off || a2.c.blk != b.c.blk {
		t.Errorf("freed range not reused: %d vs %d", a2.c.off, off)
	}
	for _, x := range []*Buffer{a2, b, c} {
		x.Free()
	}
	s2 := d.MemoryStats()
	if s2.InUse != s0.InUse || s2.Buffers != s0.Buffers {
		t.Errorf("after free: %+v, want in-use %d", s2, s0.InUse)
	}
	if s2.Reserved == 0 || s2.HeapSize == 0 || s2.HeapBudget == 0 {
		t.Errorf("stats: %+v", s2)
	}
	d.Trim()
	if s3 := d.MemoryStats(); s3.Reserved != 0 || s3.Blocks != 0 {
		t.Errorf("after Trim: %+v", s3)
	}
	t.Logf("stats %+v", s2)
}

func TestDeferredFree(t *testing.T) {
	d := open(t, Options{})
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := d.Alloc(4 * 64)
	y, _ := d.Alloc(4 * 64)
	if err := d.FillBuffer(x.Out(), math.Float32bits(3)); err != nil {
		t.Fatal(err)
	}
	if err := d.FillBuffer(y.Out(), 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(64, 0), [3]uint32{1, 1, 1}, ""); err != nil {
		t.Fatal(err)
	}
	xoff := x.c.off
	x.Free() // still used by the recorded dispatch
	z, _ := d.Alloc(4 * 64)
	if z.c.off == xoff && z.c.blk == x.c.blk {
		t.Fatal("range of a buffer used by pending work was reused")
	}
	got := make([]float32, 64)
	if err := d.DownloadFloat32(y, 0, got); err != nil {
		t.Fatal(err)
	}
	if got[0] != 3 || got[63] != 3 {
		t.Fatalf("got %v", got[:4])
	}
	w, _ := d.Alloc(4 * 64)
	if w.c.off != xoff {
		t.Errorf("range not reused after the work completed")
	}
	for _, b := range []*Buffer{y, z, w} {
		b.Free()
	}
}

func TestUploadDownloadOdd(t *testing.T) {
	d := open(t, Options{})
	for _, size := range []int{1, 3, 5, 255, 257, 4097, 100003} {
		b, err := d.Alloc(size)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(i*7 + size)
		}
		if err := d.Upload(b, 0, want); err != nil {
			t.Fatal(err)
		}
		// Overwrite an odd interior window, then read odd windows back.
		if size > 10 {
			win := []byte{9, 8, 7}
			if err := d.Upload(b, size/2+1, win); err != nil {
				t.Fatal(err)
			}
			copy(want[size/2+1:], win)
		}
		got := make([]byte, size)
		if err := d.Download(b, 0, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: round trip mismatch", size)
		}
		if size > 2 {
			part := make([]byte, size-2)
			if err := d.Download(b, 1, part); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(part, want[1:size-1]) {
				t.Fatalf("size %d: offset download mismatch", size)
			}
		}
		if err := d.Download(b, 1, make([]byte, size)); !errors.Is(err, ErrInvalid) {
			t.Errorf("out-of-range download: %v", err)
		}
		b.Free()
	}
}

// TestProgramOrder checks that an Upload into a buffer that recorded work
// reads is ordered after that work (staged copy), and a CopyBuffer chain.
func TestProgramOrder(t *testing.T) {
	// 100 floats go through vkCmdUpdateBuffer, 20000 through a staging copy.
	for _, n := range []int{100, 20000} {
		testProgramOrder(t, n)
	}
}

func testProgramOrder(t *testing.T, n int) {
	d := open(t, Options{})
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := d.Alloc(4 * n)
	y, _ := d.Alloc(4 * n)
	z, _ := d.Alloc(4 * n)
	defer x.Free()
	defer y.Free()
	defer z.Free()
	ones := make([]float32, n)
	tens := make([]float32, n)
	for i := range ones {
		ones[i], tens[i] = 1, 10
	}
	d.UploadFloat32(x, 0, ones)
	d.FillBuffer(y.Out(), 0)
	d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(uint32(n), 0), [3]uint32{Groups(n, 64), 1, 1}, "") // y = 1
	if err := d.UploadFloat32(x, 0, tens); err != nil {                                                     // after the dispatch
		t.Fatal(err)
	}
	d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(uint32(n), 0), [3]uint32{Groups(n, 64), 1, 1}, "") // y = 11
	d.CopyBuffer(z.Out(), y.In())
	d.Dispatch(p, []BufferRange{x.In(), z.InOut()}, push(uint32(n), 0.5), [3]uint32{Groups(n, 64), 1, 1}, "") // z = 21.5
	if s := d.Stats(); s.Submits != 0 {
		t.Errorf("recording submitted %d batches", s.Submits)
	}
	gy, gz := make([]float32, n), make([]float32, n)
	if err := d.DownloadFloat32(y, 0, gy); err != nil {
		t.Fatal(err)
	}
	if err := d.DownloadFloat32(z, 0, gz); err != nil {
		t.Fatal(err)
	}
	if gy[0] != 11 || gy[n-1] != 11 || gz[0] != 21.5 || gz[n-1] != 21.5 {
		t.Fatalf("y=%v z=%v", gy[0], gz[0])
	}
}

// TestBarrierElision: dispatches on disjoint ranges need no barriers, and
// read-only sharing needs none either.
func TestBarrierElision(t *testing.T) {
	d := open(t, Options{})
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	align := int(max(d.info.MinStorageBufferOffsetAlign, 256))
	const parts = 8
	x, _ := d.Alloc(4 * 64)
	y, _ := d.Alloc(parts * align)
	defer x.Free()
	defer y.Free()
	d.FillBuffer(x.Out(), math.Float32bits(2))
	d.FillBuffer(y.Out(), 0)
	d.Sync()
	before := d.Stats().Barriers
	for i := 0; i < parts; i++ {
		d.Dispatch(p, []BufferRange{x.In(), y.Range(i*align, 4*16, ReadWrite)}, push(16, 0), [3]uint32{1, 1, 1}, "")
	}
	if got := d.Stats().Barriers - before; got != 0 {
		t.Errorf("%d barriers between independent dispatches", got)
	}
	// WAR: writing x after it was read needs one barrier.
	d.FillBuffer(x.Out(), 0)
	if got := d.Stats().Barriers - before; got != 1 {
		t.Errorf("%d barriers after a write-after-read, want 1", got)
	}
	out := make([]float32, 16)
	if err := d.DownloadFloat32(y, 3*align, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 2 || out[15] != 2 {
		t.Fatalf("got %v", out)
	}
}

func TestPipelineCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // keep the user's cache untouched
	d := open(t, Options{})
	desc := PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(2)}, Bindings: 2, PushBytes: 8}
	p1, err := d.Pipeline(desc)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := d.Pipeline(desc)
	desc.Spec = []uint32{math.Float32bits(3)}
	p3, _ := d.Pipeline(desc)
	if p1 != p2 || p1 == p3 {
		t.Errorf("cache identity wrong")
	}
	s := d.Stats()
	if s.PipelineHits != 1 || s.PipelineBuilds != 2 {
		t.Errorf("stats %+v", s)
	}
	if _, err := d.Pipeline(PipelineDesc{Name: "junk", SPIRV: []byte("not spirv at all....")}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "junk") {
		t.Errorf("junk shader: %v", err)
	}
	path := d.PipelineCachePath()
	if path == "" {
		t.Skip("no user cache dir")
	}
	d.Close()
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("pipeline cache not saved: %v", err)
	}
	// A second device starts from the saved cache (and must not choke on it).
	d2 := open(t, Options{})
	if d2.PipelineCachePath() != path {
		t.Errorf("cache path changed: %s vs %s", d2.PipelineCachePath(), path)
	}
	if _, err := d2.Pipeline(desc); err != nil {
		t.Fatal(err)
	}
	// A corrupt file is ignored.
	os.WriteFile(path, []byte("garbage"), 0o644)
	d3 := open(t, Options{})
	if _, err := d3.Pipeline(desc); err != nil {
		t.Fatal(err)
	}
}

func TestOutOfMemory(t *testing.T) {
	d := open(t, Options{})
	if _, err := d.Alloc(1 << 50); !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("Alloc(1<<50): %v", err)
	}
	r := int(d.info.MaxStorageBufferRange)
	if uint64(r) < d.mem.heapSize {
		if _, err := d.Alloc(r + 1); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Alloc(range+1): %v", err)
		}
	}
	// Exhaust the heap with maximal buffers (pages are never touched).
	var bufs []*Buffer
	var err error
	for i := 0; i < 1000; i++ {
		var b *Buffer
		if b, err = d.Alloc(r); err != nil {
			break
		}
		bufs = append(bufs, b)
	}
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("after %d buffers: %v", len(bufs), err)
	}
	t.Logf("OOM after %d buffers of %d MiB: %v", len(bufs), r>>20, err)
	for _, b := range bufs {
		b.Free()
	}
	small, err := d.Alloc(1024) // works again: cached chunks are trimmed on demand
	if err != nil {
		t.Fatal(err)
	}
	small.Free()
	d.Trim()
	if s := d.MemoryStats(); s.Reserved != 0 || s.InUse != 0 {
		t.Errorf("leak after OOM: %+v", s)
	}
}

func TestSelection(t *testing.T) {
	devs, err := Devices()
	if err != nil || len(devs) == 0 {
		t.Skipf("no devices: %v", err)
	}
	want := devs[len(devs)-1]
	t.Setenv("VKT_DEVICE", strings.ToUpper(want.Name[:4]))
	d, err := Open(Options{Validate: true}) // no AllowCPU: naming a device allows it
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Info().Name, want.Name[:4]) {
		t.Errorf("selected %s", d.Info().Name)
	}
	if msgs := d.ValidationMessages(); len(msgs) > 0 {
		t.Errorf("validation: %v", msgs)
	}
	d.Close()
	if err := d.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
	if _, err := Open(Options{Select: "no-such-gpu-xyz"}); !errors.Is(err, ErrNoDevice) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := Open(Options{Select: "99"}); !errors.Is(err, ErrNoDevice) {
		t.Errorf("bad index: %v", err)
	}
	t.Setenv("VKT_DEVICE", "")
	allCPU := true
	for _, dv := range devs {
		allCPU = allCPU && dv.Type == DeviceCPU
	}
	d, err = Open(Options{})
	if allCPU {
		if !errors.Is(err, ErrNoDevice) {
			t.Errorf("only CPU devices and AllowCPU=false: %v", err)
		}
		t.Logf("clean error: %v", err)
	} else if err != nil {
		t.Error(err)
	} else {
		d.Close()
	}
}

func TestProfileAndBatching(t *testing.T) {
	d := open(t, Options{Profile: true, MaxBatch: 10})
	if !d.info.TimestampsSupported {
		t.Skip("no timestamps")
	}
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1 << 16
	x, _ := d.Alloc(4 * n)
	y, _ := d.Alloc(4 * n)
	defer x.Free()
	defer y.Free()
	d.FillBuffer(x.Out(), math.Float32bits(1))
	d.FillBuffer(y.Out(), 0)
	dt, err := d.TimeGPU(func() {
		for i := 0; i < 25; i++ {
			name := "even"
			if i%2 == 1 {
				name = "odd"
			}
			d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(n, 0), [3]uint32{Groups(n, 64), 1, 1}, name)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if dt <= 0 {
		t.Errorf("TimeGPU = %v", dt)
	}
	out := make([]float32, 1)
	d.DownloadFloat32(y, 4*(n-1), out)
	if out[0] != 25 {
		t.Errorf("y = %v", out[0])
	}
	if s := d.Stats(); s.Submits < 3 {
		t.Errorf("MaxBatch 10 but only %d submits", s.Submits)
	}
	prof := d.Profile()
	if len(prof) != 2 || prof[0].Count+prof[1].Count != 25 || prof[0].Total <= 0 {
		t.Errorf("profile %+v", prof)
	}
	var sb strings.Builder
	d.PrintProfile(&sb)
	t.Logf("TimeGPU %v\n%s", dt, sb.String())
}

// TestValidationCollected makes sure messages reach us: an invalid
// vkCreateBuffer (size 0) must be reported.
func TestValidationCollected(t *testing.T) {
	var got []string
	d, err := Open(Options{AllowCPU: true, Validate: true, OnValidation: func(m string) { got = append(got, m) }})
	if err != nil {
		t.Skipf("no device: %v", err)
	}
	defer d.Close()
	provokeValidationError(d)
	if len(got) == 0 || len(d.ValidationMessages()) == 0 {
		t.Fatal("validation error was not collected")
	}
	t.Logf("collected: %.200s", got[0])
}

// TestStickyError checks that a fault (simulated: device lost) is returned
// by every later call and maps to ErrDeviceLost.
func TestStickyError(t *testing.T) {
	d := open(t, Options{})
	b, _ := d.Alloc(64)
	d.mu.Lock()
	d.fail(&VkError{Op: "vkQueueSubmit", Result: -4})
	d.mu.Unlock()
	for name, err := range map[string]error{
		"Sync":     d.Sync(),
		"Download": d.Download(b, 0, make([]byte, 4)),
		"Upload":   d.Upload(b, 0, make([]byte, 4)),
		"Fill":     d.FillBuffer(b.Out(), 0),
	} {
		if !errors.Is(err, ErrDeviceLost) || !strings.Contains(err.Error(), "VK_ERROR_DEVICE_LOST") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := d.Alloc(64); !errors.Is(err, ErrDeviceLost) {
		t.Errorf("Alloc: %v", err)
	}
	d.mu.Lock()
	d.err = nil // let Close run normally
	d.mu.Unlock()
	b.Free()
}

func TestRequiredSubgroupSize(t *testing.T) {
	d := open(t, Options{})
	if !d.Info().SubgroupSizeControl {
		t.Skip("no subgroup size control")
	}
	p, err := d.Pipeline(PipelineDesc{Name: "axpy-sg", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)},
		Bindings: 2, PushBytes: 8, SubgroupSize: d.Info().MaxSubgroupSize, FullSubgroups: true})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := d.Alloc(256)
	y, _ := d.Alloc(256)
	defer x.Free()
	defer y.Free()
	d.FillBuffer(x.Out(), math.Float32bits(4))
	d.FillBuffer(y.Out(), 0)
	d.Dispatch(p, []BufferRange{x.In(), y.InOut()}, push(64, 0), [3]uint32{1, 1, 1}, "")
	out := make([]float32, 64)
	if err := d.DownloadFloat32(y, 0, out); err != nil {
		t.Fatal(err)
	}
	if out[63] != 4 {
		t.Fatalf("got %v", out[63])
	}
	if _, err := d.Pipeline(PipelineDesc{Name: "bad", SPIRV: axpy(t), Bindings: 2, PushBytes: 8, SubgroupSize: 3}); !errors.Is(err, ErrInvalid) {
		t.Errorf("subgroup size 3: %v", err)
	}
}

// BenchmarkDispatch measures the host cost of recording one dispatch
// (pipeline bind, descriptors, push constants, hazard tracking), with a
// Sync every 1000 dispatches.
func BenchmarkDispatch(b *testing.B) {
	d, err := Open(Options{AllowCPU: true})
	if err != nil {
		b.Skip(err)
	}
	defer d.Close()
	code, _ := os.ReadFile("testdata/axpy.spv")
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: code, Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
	if err != nil {
		b.Fatal(err)
	}
	x, _ := d.Alloc(256)
	y, _ := d.Alloc(256)
	pc := push(1, 0)
	bind := []BufferRange{x.In(), y.InOut()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Dispatch(p, bind, pc, [3]uint32{1, 1, 1}, "")
		if i%1000 == 999 {
			d.Sync()
		}
	}
	d.Sync()
}

// TestNoLoader runs this test binary again with a loader that does not
// exist: Devices and Open must return a *LoadError wrapping ErrNoLoader.
func TestNoLoader(t *testing.T) {
	if os.Getenv("VKT_TEST_NO_LOADER_CHILD") == "1" {
		_, err := Devices()
		var le *LoadError
		if !errors.As(err, &le) || !errors.Is(err, ErrNoLoader) {
			t.Fatalf("Devices: %v", err)
		}
		if _, err := Open(Options{AllowCPU: true}); !errors.Is(err, ErrNoLoader) {
			t.Fatalf("Open: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoLoader$", "-test.v")
	cmd.Env = append(os.Environ(), "VKT_TEST_NO_LOADER_CHILD=1", "VKT_VULKAN_LIB=libvulkan-does-not-exist.so.9")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestProfileEnv checks that VKT_PROFILE=1 prints the profile at Close.
func TestProfileEnv(t *testing.T) {
	if os.Getenv("VKT_TEST_PROFILE_CHILD") == "1" {
		d := open(t, Options{})
		p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Bindings: 2, PushBytes: 8})
		if err != nil {
			t.Fatal(err)
		}
		x, _ := d.Alloc(256)
		d.FillBuffer(x.Out(), 0)
		d.Dispatch(p, []BufferRange{x.In(), x.InOut()}, push(64, 1), [3]uint32{1, 1, 1}, "profiled-kernel")
		return // Close (cleanup) prints
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestProfileEnv$")
	cmd.Env = append(os.Environ(), "VKT_TEST_PROFILE_CHILD=1", "VKT_PROFILE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "profiled-kernel") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestPipelineStatistics reads the driver's statistics of a pipeline where
// the device has VK_KHR_pipeline_executable_properties, and otherwise checks
// that the error says why there are none.
func TestPipelineStatistics(t *testing.T) {
	d := open(t, Options{PipelineStatistics: true})
	p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := p.Statistics()
	if !d.Info().PipelineStatistics {
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "VK_KHR_pipeline_executable_properties") {
			t.Fatalf("Statistics on %s: %v, want ErrUnsupported naming the extension", d.Info().Name, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 || len(ex[0].Statistics) == 0 {
		t.Fatalf("Statistics: %+v, want an executable with statistics", ex)
	}
	for _, e := range ex {
		t.Logf("%s (%s), subgroup %d", e.Name, e.Description, e.SubgroupSize)
		for _, s := range e.Statistics {
			t.Logf("  %s = %g (%s)", s.Name, s.Value, s.Description)
		}
	}
	plain := open(t, Options{})
	q, err := plain.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Bindings: 2, PushBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Statistics(); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "PipelineStatistics") {
		t.Fatalf("Statistics without the option: %v", err)
	}
}

// TestSpinWait checks how Options.SpinWait and VKT_SPIN resolve, and that
// syncs give the right results whether the wait polls (long enough to see
// the fence), gives up polling and blocks (1 ns), or blocks at once.
func TestSpinWait(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  time.Duration
		env  string
		want time.Duration
	}{
		{"default", 0, "", time.Millisecond},
		{"option", 50 * time.Microsecond, "", 50 * time.Microsecond},
		{"poll-then-block", time.Nanosecond, "", time.Nanosecond},
		{"never", -1, "", -1},
		{"env-off", time.Second, "0", 0},
		{"env", 0, "20ms", 20 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VKT_SPIN", c.env)
			d := open(t, Options{SpinWait: c.opt})
			if d.spin != c.want {
				t.Fatalf("spin = %v, want %v", d.spin, c.want)
			}
			const n = 256
			x, _ := d.Alloc(4 * n)
			defer x.Free()
			if err := d.FillBuffer(x.Out(), 0); err != nil {
				t.Fatal(err)
			}
			p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: axpy(t), Spec: []uint32{math.Float32bits(1)}, Bindings: 2, PushBytes: 8})
			if err != nil {
				t.Fatal(err)
			}
			zeros, _ := d.Alloc(4 * n)
			defer zeros.Free()
			if err := d.UploadFloat32(zeros, 0, make([]float32, n)); err != nil {
				t.Fatal(err)
			}
			waits := d.Stats().Waits
			for r := 1; r <= 10; r++ {
				// x = 1*0 + x + 1: the bias push constant adds 1 everywhere
				if err := d.Dispatch(p, []BufferRange{zeros.In(), x.InOut()}, push(n, 1), [3]uint32{Groups(n, 64), 1, 1}, ""); err != nil {
					t.Fatal(err)
				}
				if err := d.Sync(); err != nil {
					t.Fatal(err)
				}
				out := make([]float32, n)
				if err := d.DownloadFloat32(x, 0, out); err != nil {
					t.Fatal(err)
				}
				if out[0] != float32(r) || out[n-1] != float32(r) {
					t.Fatalf("after %d adds: x[0] = %v, x[%d] = %v", r, out[0], n-1, out[n-1])
				}
			}
			if d.Stats().Waits-waits < 10 {
				t.Fatalf("%d waits for 10 syncs", d.Stats().Waits-waits)
			}
		})
	}
}
