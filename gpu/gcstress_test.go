//go:build cgo

package gpu

import (
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	vk "github.com/vulkan-go/vulkan"
)

// TestCallsUnderGC builds pipelines and descriptor layouts, dispatches and
// submits in a loop, and lists devices (instance creation and the
// enumerations), while another goroutine collects garbage without pause and
// the collector's target is 1%. A C copy freed while Vulkan reads it shows
// up as a validation message, a crash or a wrong result.
func TestCallsUnderGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()

	code := axpy(t)
	for _, noPush := range []bool{false, true} {
		d := open(t, Options{NoPushDescriptors: noPush, NoPipelineCache: true})
		const n = 97
		x, err := d.Alloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		y, err := d.Alloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		xs := make([]float32, n)
		for i := range xs {
			xs[i] = float32(i)
		}
		if err := d.UploadFloat32(x, 0, xs); err != nil {
			t.Fatal(err)
		}
		out := make([]float32, n)
		const iters = 80
		for it := range iters {
			// Layouts are cached by the device: create and destroy some
			// directly to repeat the call.
			sl, pl, op, res := createLayouts(d.inst, d.dev, 1+it%maxBindings, 4*(it%8), d.pushDesc)
			if err := vkErr(op, res); err != nil {
				t.Fatal(err)
			}
			vk.DestroyPipelineLayout(d.dev, pl, nil)
			vk.DestroyDescriptorSetLayout(d.dev, sl, nil)

			// A new pipeline each time: the second constant is not used by
			// the shader but is part of the cache key. Extra bindings and
			// push bytes make new layouts too.
			a := float32(it%9 + 1)
			extra := it % 3
			p, err := d.Pipeline(PipelineDesc{Name: "axpy", SPIRV: code, Spec: []uint32{math.Float32bits(a), uint32(it)},
				Bindings: 2 + extra, PushBytes: 8 + 4*extra})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.FillBuffer(y.Out(), 0); err != nil {
				t.Fatal(err)
			}
			bind := []BufferRange{x.In(), y.InOut()}
			for range extra {
				bind = append(bind, x.In())
			}
			if err := d.Dispatch(p, bind, push(n, 0.5), [3]uint32{Groups(n, 64), 1, 1}, ""); err != nil {
				t.Fatal(err)
			}
			if err := d.DownloadFloat32(y, 0, out); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				if want := a*float32(i) + 0.5; v != want {
					t.Fatalf("iteration %d: y[%d] = %v, want %v", it, i, v, want)
				}
			}
			if it%10 == 0 {
				if _, err := Devices(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s := d.Stats(); s.PipelineBuilds != iters {
			t.Errorf("%d pipelines built, want %d", s.PipelineBuilds, iters)
		}
		x.Free()
		y.Free()
	}
}
