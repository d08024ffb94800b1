package vulkan

import (
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// BenchmarkRecordOp measures the host cost of recording one small op
// (Binary Add on 64 elements), the per-op overhead the backend's mutex
// adds to; the Sync every 512 ops (below MaxBatch) is not timed. go test -run - -bench
// RecordOp ./tensor/vulkan
func BenchmarkRecordOp(b *testing.B) {
	vk := benchBackend(b)
	n := 64
	bufs := make([]backend.Buffer, 3)
	for i := range bufs {
		buf, err := vk.Alloc(backend.Float32, n)
		if err != nil {
			b.Fatal(err)
		}
		bufs[i] = buf
		defer vk.Free(buf)
	}
	s := func(i int) backend.Strided {
		return backend.Strided{Buf: bufs[i], Shape: []int{n}, Strides: []int{1}}
	}
	vk.Fill(s(1), 1)
	vk.Fill(s(2), 2)
	if err := vk.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vk.Binary(backend.Add, s(0), s(1), s(2))
		if i%512 == 511 {
			b.StopTimer()
			vk.Sync()
			b.StartTimer()
		}
	}
	if err := vk.Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEnterExit measures what the concurrency and error bookkeeping
// add to every op: taking the backend's mutex, the lineage of three
// operands (no errors, no pending checks) and releasing it.
func BenchmarkEnterExit(b *testing.B) {
	vk := benchBackend(b)
	bufs := make([]backend.Strided, 3)
	for i := range bufs {
		buf, err := vk.Alloc(backend.Float32, 64)
		if err != nil {
			b.Fatal(err)
		}
		defer vk.Free(buf)
		bufs[i] = backend.Strided{Buf: buf, Shape: []int{64}, Strides: []int{1}}
	}
	for b.Loop() {
		func() {
			defer vk.exit()
			vk.enter("Binary", 1, bufs[0], bufs[1], bufs[2])
		}()
	}
}
