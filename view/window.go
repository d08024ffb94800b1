//go:build glfw

package view

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/go-gl/glfw/v3.3/glfw"
	vk "github.com/vulkan-go/vulkan"

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
// device and copied into its swapchain images (no graphics pipeline: a
// buffer-to-image copy between two layout transitions). Escape or closing
// the window sets Closed; Space toggles Paused.
type Window struct {
	win  *glfw.Window
	dev  *gpu.Device
	h    gpu.Handles
	r    *Renderer
	surf vk.Surface

	swap      vk.Swapchain
	images    []vk.Image
	done      []vk.Semaphore // one per image: copy finished, present may start
	extent    vk.Extent2D
	format    vk.Format
	stale     bool // recreate the swapchain before the next frame
	acquired  vk.Semaphore
	fence     vk.Fence
	pool      vk.CommandPool
	cmd       vk.CommandBuffer
	submitted bool

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
	wd := &Window{win: win, dev: dev, h: dev.Handles()}
	ok := false
	defer func() {
		if !ok {
			wd.Close()
		}
	}()
	sp, err := win.CreateWindowSurface(wd.h.Instance, nil)
	if err != nil {
		return nil, fmt.Errorf("view: cannot create a Vulkan surface for the window: %w", err)
	}
	wd.surf = vk.SurfaceFromPointer(sp)
	var supported vk.Bool32
	if r := vk.GetPhysicalDeviceSurfaceSupport(wd.h.PhysicalDevice, wd.h.QueueFamily, wd.surf, &supported); r != vk.Success || supported == vk.False {
		return nil, fmt.Errorf("view: %s cannot present to this window from its compute queue (family %d)", dev.Info().Name, wd.h.QueueFamily)
	}
	if wd.r, err = NewRenderer(dev); err != nil {
		return nil, err
	}
	if err := wd.syncObjects(); err != nil {
		return nil, err
	}
	if err := wd.createSwapchain(); err != nil {
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

func vkCheck(op string, r vk.Result) error {
	if r == vk.Success {
		return nil
	}
	return fmt.Errorf("view: %s: %s", op, gpu.ResultString(int32(r)))
}

func (wd *Window) syncObjects() error {
	d := wd.h.Device
	// Out-parameters are locals: cgo refuses pointers into wd, which holds
	// Go pointers.
	var sem vk.Semaphore
	sci := vk.SemaphoreCreateInfo{SType: vk.StructureTypeSemaphoreCreateInfo}
	if err := vkCheck("vkCreateSemaphore", vk.CreateSemaphore(d, &sci, nil, &sem)); err != nil {
		return err
	}
	wd.acquired = sem
	var fence vk.Fence
	fci := vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}
	if err := vkCheck("vkCreateFence", vk.CreateFence(d, &fci, nil, &fence)); err != nil {
		return err
	}
	wd.fence = fence
	pci := vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: wd.h.QueueFamily,
	}
	var pool vk.CommandPool
	if err := vkCheck("vkCreateCommandPool", vk.CreateCommandPool(d, &pci, nil, &pool)); err != nil {
		return err
	}
	wd.pool = pool
	cmds := make([]vk.CommandBuffer, 1)
	ai := vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        wd.pool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	if err := vkCheck("vkAllocateCommandBuffers", vk.AllocateCommandBuffers(d, &ai, cmds)); err != nil {
		return err
	}
	wd.cmd = cmds[0]
	return nil
}

// waitIdle waits for the last copy and present submitted by the window.
func (wd *Window) waitIdle() error {
	if !wd.submitted {
		return nil
	}
	r := vk.WaitForFences(wd.h.Device, 1, []vk.Fence{wd.fence}, vk.True, ^uint64(0))
	if err := vkCheck("vkWaitForFences", r); err != nil {
		return err
	}
	wd.submitted = false
	return vkCheck("vkResetFences", vk.ResetFences(wd.h.Device, 1, []vk.Fence{wd.fence}))
}

// createSwapchain (re)creates the swapchain at the window's current size.
// A zero-sized (minimized) window gets none until it is resized.
func (wd *Window) createSwapchain() error {
	if err := wd.waitIdle(); err != nil {
		return err
	}
	// Presents may still wait on the per-image semaphores.
	wd.queueIdle()
	wd.destroySwapchain(true)
	wd.stale = false
	var caps vk.SurfaceCapabilities
	if err := vkCheck("vkGetPhysicalDeviceSurfaceCapabilitiesKHR",
		vk.GetPhysicalDeviceSurfaceCapabilities(wd.h.PhysicalDevice, wd.surf, &caps)); err != nil {
		return err
	}
	caps.Deref()
	caps.CurrentExtent.Deref()
	caps.MinImageExtent.Deref()
	caps.MaxImageExtent.Deref()
	ext := caps.CurrentExtent
	if ext.Width == 0xFFFFFFFF {
		fw, fh := wd.win.GetFramebufferSize()
		ext.Width = uint32(max(fw, 0))
		ext.Height = uint32(max(fh, 0))
		ext.Width = min(max(ext.Width, caps.MinImageExtent.Width), caps.MaxImageExtent.Width)
		ext.Height = min(max(ext.Height, caps.MinImageExtent.Height), caps.MaxImageExtent.Height)
	}
	if ext.Width == 0 || ext.Height == 0 {
		wd.destroySwapchain(false)
		return nil
	}
	if caps.SupportedUsageFlags&vk.ImageUsageFlags(vk.ImageUsageTransferDstBit) == 0 {
		return errors.New("view: the window's swapchain images cannot be copy destinations")
	}
	var n uint32
	vk.GetPhysicalDeviceSurfaceFormats(wd.h.PhysicalDevice, wd.surf, &n, nil)
	formats := make([]vk.SurfaceFormat, n)
	vk.GetPhysicalDeviceSurfaceFormats(wd.h.PhysicalDevice, wd.surf, &n, formats)
	var chosen *vk.SurfaceFormat
	bgra := false
	for i := range formats {
		formats[i].Deref()
		switch formats[i].Format {
		case vk.FormatB8g8r8a8Unorm, vk.FormatB8g8r8a8Srgb:
			if chosen == nil || chosen.Format != vk.FormatB8g8r8a8Unorm && chosen.Format != vk.FormatR8g8b8a8Unorm {
				chosen, bgra = &formats[i], true
			}
		case vk.FormatR8g8b8a8Unorm, vk.FormatR8g8b8a8Srgb:
			if chosen == nil || chosen.Format != vk.FormatB8g8r8a8Unorm && chosen.Format != vk.FormatR8g8b8a8Unorm {
				chosen, bgra = &formats[i], false
			}
		}
	}
	if chosen == nil {
		return errors.New("view: the window offers no 8-bit RGBA or BGRA swapchain format")
	}
	vk.GetPhysicalDeviceSurfacePresentModes(wd.h.PhysicalDevice, wd.surf, &n, nil)
	modes := make([]vk.PresentMode, n)
	vk.GetPhysicalDeviceSurfacePresentModes(wd.h.PhysicalDevice, wd.surf, &n, modes)
	mode := vk.PresentModeFifo // always supported
	for _, m := range modes {
		// Prefer modes that never make the training thread wait for vsync.
		if m == vk.PresentModeMailbox || m == vk.PresentModeImmediate && mode != vk.PresentModeMailbox {
			mode = m
		}
	}
	count := caps.MinImageCount + 1
	if caps.MaxImageCount > 0 && count > caps.MaxImageCount {
		count = caps.MaxImageCount
	}
	alpha := vk.CompositeAlphaOpaqueBit
	for _, a := range []vk.CompositeAlphaFlagBits{vk.CompositeAlphaOpaqueBit, vk.CompositeAlphaInheritBit, vk.CompositeAlphaPreMultipliedBit, vk.CompositeAlphaPostMultipliedBit} {
		if caps.SupportedCompositeAlpha&vk.CompositeAlphaFlags(a) != 0 {
			alpha = a
			break
		}
	}
	ci := vk.SwapchainCreateInfo{
		SType:            vk.StructureTypeSwapchainCreateInfo,
		Surface:          wd.surf,
		MinImageCount:    count,
		ImageFormat:      chosen.Format,
		ImageColorSpace:  chosen.ColorSpace,
		ImageExtent:      ext,
		ImageArrayLayers: 1,
		ImageUsage:       vk.ImageUsageFlags(vk.ImageUsageTransferDstBit),
		ImageSharingMode: vk.SharingModeExclusive,
		PreTransform:     caps.CurrentTransform,
		CompositeAlpha:   alpha,
		PresentMode:      mode,
		Clipped:          vk.True,
		OldSwapchain:     wd.swap,
	}
	var sw vk.Swapchain
	r := vk.CreateSwapchain(wd.h.Device, &ci, nil, &sw)
	ci.Free()
	if wd.swap != vk.NullSwapchain {
		vk.DestroySwapchain(wd.h.Device, wd.swap, nil)
		wd.swap = vk.NullSwapchain
	}
	if err := vkCheck("vkCreateSwapchainKHR", r); err != nil {
		return err
	}
	wd.swap, wd.extent, wd.format = sw, ext, chosen.Format
	vk.GetSwapchainImages(wd.h.Device, sw, &n, nil)
	wd.images = make([]vk.Image, n)
	vk.GetSwapchainImages(wd.h.Device, sw, &n, wd.images)
	wd.done = make([]vk.Semaphore, n)
	for i := range wd.done {
		sci := vk.SemaphoreCreateInfo{SType: vk.StructureTypeSemaphoreCreateInfo}
		if err := vkCheck("vkCreateSemaphore", vk.CreateSemaphore(wd.h.Device, &sci, nil, &wd.done[i])); err != nil {
			return err
		}
	}
	wd.r.SetBGRA(bgra)
	return wd.r.Resize(int(ext.Width), int(ext.Height))
}

// queueIdle waits until the device's queue has nothing left to run.
func (wd *Window) queueIdle() {
	wd.dev.OnQueue(func(q vk.Queue) error { return vkCheck("vkQueueWaitIdle", vk.QueueWaitIdle(q)) })
}

// destroySwapchain releases the per-image semaphores and, unless keep is
// set (it becomes the old swapchain of the next one), the swapchain.
func (wd *Window) destroySwapchain(keep bool) {
	for _, s := range wd.done {
		vk.DestroySemaphore(wd.h.Device, s, nil)
	}
	wd.done, wd.images = nil, nil
	if !keep && wd.swap != vk.NullSwapchain {
		vk.DestroySwapchain(wd.h.Device, wd.swap, nil)
		wd.swap = vk.NullSwapchain
	}
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
// the window's previous copy (at most one frame is in flight), never for
// training work queued after the frame.
func (wd *Window) Draw(f *Frame) error {
	if wd.stale || wd.swap == vk.NullSwapchain {
		if err := wd.createSwapchain(); err != nil {
			return err
		}
		if wd.swap == vk.NullSwapchain {
			return nil // minimized
		}
	}
	if err := wd.waitIdle(); err != nil {
		return err
	}
	if err := wd.r.Render(f); err != nil {
		return err
	}
	var idx uint32
	res := vk.AcquireNextImage(wd.h.Device, wd.swap, 2e9, wd.acquired, vk.NullFence, &idx)
	switch res {
	case vk.Success, vk.Suboptimal:
	case vk.ErrorOutOfDate:
		wd.stale = true
		return nil
	case vk.Timeout, vk.NotReady:
		return nil // skip this frame
	default:
		return vkCheck("vkAcquireNextImageKHR", res)
	}
	if res == vk.Suboptimal {
		wd.stale = true
	}
	if err := wd.record(idx); err != nil {
		return err
	}
	return wd.dev.OnQueue(func(q vk.Queue) error {
		si := []vk.SubmitInfo{{
			SType:                vk.StructureTypeSubmitInfo,
			WaitSemaphoreCount:   1,
			PWaitSemaphores:      []vk.Semaphore{wd.acquired},
			PWaitDstStageMask:    []vk.PipelineStageFlags{vk.PipelineStageFlags(vk.PipelineStageTransferBit)},
			CommandBufferCount:   1,
			PCommandBuffers:      []vk.CommandBuffer{wd.cmd},
			SignalSemaphoreCount: 1,
			PSignalSemaphores:    []vk.Semaphore{wd.done[idx]},
		}}
		r := vk.QueueSubmit(q, 1, si, wd.fence)
		si[0].Free()
		if err := vkCheck("vkQueueSubmit", r); err != nil {
			return err
		}
		wd.submitted = true
		pi := vk.PresentInfo{
			SType:              vk.StructureTypePresentInfo,
			WaitSemaphoreCount: 1,
			PWaitSemaphores:    []vk.Semaphore{wd.done[idx]},
			SwapchainCount:     1,
			PSwapchains:        []vk.Swapchain{wd.swap},
			PImageIndices:      []uint32{idx},
		}
		r = vk.QueuePresent(q, &pi)
		pi.Free()
		switch r {
		case vk.Success:
		case vk.Suboptimal, vk.ErrorOutOfDate:
			wd.stale = true
		default:
			return vkCheck("vkQueuePresentKHR", r)
		}
		return nil
	})
}

// record fills the command buffer: wait for the frame's compute writes,
// move image idx to TRANSFER_DST, copy the renderer's output into it, move
// it to PRESENT_SRC.
func (wd *Window) record(idx uint32) error {
	if err := vkCheck("vkResetCommandBuffer", vk.ResetCommandBuffer(wd.cmd, 0)); err != nil {
		return err
	}
	bi := vk.CommandBufferBeginInfo{
		SType: vk.StructureTypeCommandBufferBeginInfo,
		Flags: vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit),
	}
	r := vk.BeginCommandBuffer(wd.cmd, &bi)
	bi.Free()
	if err := vkCheck("vkBeginCommandBuffer", r); err != nil {
		return err
	}
	img := wd.images[idx]
	sub := vk.ImageSubresourceRange{AspectMask: vk.ImageAspectFlags(vk.ImageAspectColorBit), LevelCount: 1, LayerCount: 1}
	toDst := []vk.ImageMemoryBarrier{{
		SType:               vk.StructureTypeImageMemoryBarrier,
		DstAccessMask:       vk.AccessFlags(vk.AccessTransferWriteBit),
		OldLayout:           vk.ImageLayoutUndefined,
		NewLayout:           vk.ImageLayoutTransferDstOptimal,
		SrcQueueFamilyIndex: vk.QueueFamilyIgnored,
		DstQueueFamilyIndex: vk.QueueFamilyIgnored,
		Image:               img,
		SubresourceRange:    sub,
	}}
	// The frame was written by a compute dispatch submitted earlier on
	// this queue.
	mem := []vk.MemoryBarrier{{
		SType:         vk.StructureTypeMemoryBarrier,
		SrcAccessMask: vk.AccessFlags(vk.AccessShaderWriteBit),
		DstAccessMask: vk.AccessFlags(vk.AccessTransferReadBit),
	}}
	vk.CmdPipelineBarrier(wd.cmd,
		vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit|vk.PipelineStageTransferBit),
		vk.PipelineStageFlags(vk.PipelineStageTransferBit), 0,
		1, mem, 0, nil, 1, toDst)
	buf, off := wd.r.Output().VkBuffer()
	w, h := wd.r.Size()
	region := []vk.BufferImageCopy{{
		BufferOffset:      vk.DeviceSize(off),
		BufferRowLength:   uint32(w),
		BufferImageHeight: uint32(h),
		ImageSubresource:  vk.ImageSubresourceLayers{AspectMask: vk.ImageAspectFlags(vk.ImageAspectColorBit), LayerCount: 1},
		ImageExtent:       vk.Extent3D{Width: min(uint32(w), wd.extent.Width), Height: min(uint32(h), wd.extent.Height), Depth: 1},
	}}
	vk.CmdCopyBufferToImage(wd.cmd, buf, img, vk.ImageLayoutTransferDstOptimal, 1, region)
	toPresent := []vk.ImageMemoryBarrier{{
		SType:               vk.StructureTypeImageMemoryBarrier,
		SrcAccessMask:       vk.AccessFlags(vk.AccessTransferWriteBit),
		OldLayout:           vk.ImageLayoutTransferDstOptimal,
		NewLayout:           vk.ImageLayoutPresentSrc,
		SrcQueueFamilyIndex: vk.QueueFamilyIgnored,
		DstQueueFamilyIndex: vk.QueueFamilyIgnored,
		Image:               img,
		SubresourceRange:    sub,
	}}
	vk.CmdPipelineBarrier(wd.cmd,
		vk.PipelineStageFlags(vk.PipelineStageTransferBit),
		vk.PipelineStageFlags(vk.PipelineStageBottomOfPipeBit), 0,
		0, nil, 0, nil, 1, toPresent)
	return vkCheck("vkEndCommandBuffer", vk.EndCommandBuffer(wd.cmd))
}

// Close waits for the window's last frame and destroys the swapchain, the
// surface and the window. The device stays open.
func (wd *Window) Close() {
	d := wd.h.Device
	if d != nil {
		wd.waitIdle()
		wd.queueIdle()
		wd.destroySwapchain(false)
		if wd.pool != vk.NullCommandPool {
			vk.DestroyCommandPool(d, wd.pool, nil)
			wd.pool = vk.NullCommandPool
		}
		if wd.fence != vk.NullFence {
			vk.DestroyFence(d, wd.fence, nil)
			wd.fence = vk.NullFence
		}
		if wd.acquired != vk.NullSemaphore {
			vk.DestroySemaphore(d, wd.acquired, nil)
			wd.acquired = vk.NullSemaphore
		}
	}
	if wd.r != nil {
		wd.r.Close()
		wd.r = nil
	}
	if wd.surf != vk.NullSurface {
		vk.DestroySurface(wd.h.Instance, wd.surf, nil)
		wd.surf = vk.NullSurface
	}
	if wd.win != nil {
		wd.win.Destroy()
		wd.win = nil
	}
}
