//go:build glfw

package view

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vktensor/vktensor/gpu"
)

// GLFW must be driven from the main thread: keep the main goroutine on it.
func init() { runtime.LockOSThread() }

// WindowSupport is true in builds with the glfw tag, where OpenWindow can
// open a window.
const WindowSupport = true

var glfwReady bool

// Prepare initializes GLFW and returns the Vulkan instance and device
// extensions a window needs; pass them to gpu.Options before opening the
// device. It must be called from the main goroutine. An error means no
// window can be opened (no display, or no Vulkan surface support).
func Prepare() (instanceExts, deviceExts []string, err error) {
	if !glfwReady {
		// GLFW is built for X11 here; without a display its Init only logs.
		if os.Getenv("DISPLAY") == "" {
			return nil, nil, errors.New("view: no X display (DISPLAY is not set)")
		}
		if err := glfw.Init(); err != nil {
			return nil, nil, fmt.Errorf("view: cannot start GLFW on display %q: %w", os.Getenv("DISPLAY"), err)
		}
		if !initialized() {
			return nil, nil, fmt.Errorf("view: cannot start GLFW on display %q", os.Getenv("DISPLAY"))
		}
		glfwReady = true
	}
	if !glfw.VulkanSupported() {
		return nil, nil, errors.New("view: GLFW found no Vulkan loader")
	}
	exts := (*glfw.Window)(nil).GetRequiredInstanceExtensions()
	if len(exts) == 0 {
		return nil, nil, errors.New("view: GLFW found no Vulkan surface extensions for this display")
	}
	return exts, []string{"VK_KHR_swapchain"}, nil
}

// initialized reports whether glfw.Init succeeded: go-gl/glfw's Init
// returns no error for platform failures (it logs them), and its other
// functions panic when GLFW is not initialized.
func initialized() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	glfw.GetTime()
	return true
}

// Terminate shuts GLFW down after the last window is closed.
func Terminate() {
	if glfwReady {
		glfw.Terminate()
		glfwReady = false
	}
}

// Window is a GLFW window whose frames are drawn by a Renderer on a gpu
// device and shown through a gpu.Presenter. Escape or closing the window
// sets Closed; Space toggles Paused.
type Window struct {
	win    *glfw.Window
	r      *Renderer
	pres   *gpu.Presenter
	stale  bool // the window was resized: resize before the next frame
	paused bool
}

// OpenWindow opens a w×h window titled title and a swapchain for it on
// dev, which must have been opened with the extensions from Prepare.
func OpenWindow(dev *gpu.Device, title string, w, h int) (*Window, error) {
	if !glfwReady {
		return nil, errors.New("view: OpenWindow before Prepare")
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	win, err := glfw.CreateWindow(w, h, title, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("view: cannot open a window: %w", err)
	}
	wd := &Window{win: win}
	ok := false
	defer func() {
		if !ok {
			wd.Close()
		}
	}()
	surface, err := createSurface(dev.VkInstance(), win)
	if err != nil {
		return nil, err
	}
	if wd.pres, err = dev.NewPresenter(surface); err != nil {
		return nil, fmt.Errorf("view: %w", err)
	}
	if wd.r, err = NewRenderer(dev); err != nil {
		return nil, err
	}
	if err := wd.resize(); err != nil {
		return nil, err
	}
	win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
		if action != glfw.Press {
			return
		}
		switch key {
		case glfw.KeyEscape:
			win.SetShouldClose(true)
		case glfw.KeySpace:
			wd.paused = !wd.paused
		}
	})
	win.SetFramebufferSizeCallback(func(*glfw.Window, int, int) { wd.stale = true })
	ok = true
	return wd, nil
}

// resize recreates the swapchain at the window's size and the renderer's
// output to match. A minimized window gets no swapchain until it is
// resized.
func (wd *Window) resize() error {
	fw, fh := wd.win.GetFramebufferSize()
	if err := wd.pres.Resize(fw, fh); err != nil {
		return fmt.Errorf("view: %w", err)
	}
	w, h := wd.pres.Size()
	if w == 0 || h == 0 {
		return nil
	}
	wd.r.SetBGRA(wd.pres.BGRA())
	return wd.r.Resize(w, h)
}

// Poll processes window events. Call it often (it is cheap); Closed and
// Paused report what they did.
func (wd *Window) Poll() { glfw.PollEvents() }

// Closed reports whether the window was closed or Escape was pressed.
func (wd *Window) Closed() bool { return wd.win.ShouldClose() }

// Paused reports whether Space paused training.
func (wd *Window) Paused() bool { return wd.paused }

// Wait blocks until a window event arrives or timeout seconds pass.
func (wd *Window) Wait(timeout float64) { glfw.WaitEventsTimeout(timeout) }

// Draw renders f at the window's size and presents it. It waits only for
// the window's previous frame (at most one is in flight), never for
// training work queued after the frame.
func (wd *Window) Draw(f *Frame) error {
	if wd.stale || wd.pres.Stale() {
		wd.stale = false
		if err := wd.resize(); err != nil {
			return err
		}
	}
	if w, h := wd.pres.Size(); w == 0 || h == 0 {
		return nil // minimized
	}
	if err := wd.r.Render(f); err != nil {
		return err
	}
	w, h := wd.r.Size()
	if err := wd.pres.Present(wd.r.Output(), 0, w, h); err != nil {
		return fmt.Errorf("view: %w", err)
	}
	return nil
}

// Close waits for the window's last frame and destroys the swapchain, the
// surface and the window. The device stays open.
func (wd *Window) Close() {
	if wd.pres != nil {
		wd.pres.Close()
		wd.pres = nil
	}
	if wd.r != nil {
		wd.r.Close()
		wd.r = nil
	}
	if wd.win != nil {
		wd.win.Destroy()
		wd.win = nil
	}
}
