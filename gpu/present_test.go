//go:build cgo

package gpu

import (
	"errors"
	"testing"
)

// TestPresenter drives a Presenter on a headless surface (no window
// system): resize, present frames drawn by a dispatch, resize again,
// close, all with validation on.
func TestPresenter(t *testing.T) {
	exts, err := instanceExtensionsForTest()
	if err != nil {
		t.Skip(err)
	}
	if !exts["VK_EXT_headless_surface"] || !exts["VK_KHR_surface"] {
		t.Skip("the Vulkan loader offers no VK_EXT_headless_surface")
	}
	d := open(t, Options{InstanceExtensions: []string{"VK_KHR_surface", "VK_EXT_headless_surface"}, DeviceExtensions: []string{"VK_KHR_swapchain"}})
	surf, err := d.headlessSurface()
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.NewPresenter(surf)
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.Stale() {
		t.Error("a new Presenter is not stale")
	}
	const w, h = 40, 30
	buf, err := d.Alloc(4 * w * h)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Free()
	for _, size := range [][2]int{{w, h}, {w / 2, h + 3}} {
		if err := p.Resize(size[0], size[1]); err != nil {
			t.Fatal(err)
		}
		if gw, gh := p.Size(); gw != size[0] || gh != size[1] {
			t.Errorf("Resize(%d, %d): swapchain is %d×%d", size[0], size[1], gw, gh)
		}
		if p.Stale() {
			t.Error("stale after Resize")
		}
		for frame := range 3 {
			// The frame's content is written by the device (as a renderer's
			// dispatch would) just before it is presented.
			if err := d.FillBuffer(buf.Out(), uint32(0xff000000|frame)); err != nil {
				t.Fatal(err)
			}
			if err := p.Present(buf, 0, w, h); err != nil {
				t.Fatalf("frame %d: %v", frame, err)
			}
		}
	}
	if err := p.Present(buf, 4, w, h); !errors.Is(err, ErrInvalid) {
		t.Errorf("Present past the buffer's end = %v, want ErrInvalid", err)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}

func instanceExtensionsForTest() (map[string]bool, error) {
	if err := loadVulkan(); err != nil {
		return nil, err
	}
	names, err := instanceExtensions("")
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m, err
}
