package gpu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
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

var _ = bytes.Equal
var _ = strings.Contains
