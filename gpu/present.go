//go:build cgo

package gpu

// The swapchain side of a window: everything is called from C through
// function pointers (the structs it passes hold arrays and handles that
// vulkan-go would copy and free from finalizers).

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void* (*vkt_pgipa_fn)(void* instance, const char* name);
typedef void* (*vkt_pgdpa_fn)(void* device, const char* name);

#define VKT_NO_TRANSFER_DST (-2000000001) // swapchain images cannot be copy destinations
#define VKT_NO_FORMAT (-2000000002)       // no 8-bit RGBA or BGRA format
#define VKT_NO_SUPPORT (-2000000003)      // the queue cannot present to the surface
#define VKT_MISSING (-7)                  // VK_ERROR_EXTENSION_NOT_PRESENT

typedef struct {
	void *instance, *phys, *device;
	uint32_t family;
	uint64_t surface, swapchain;
	uint32_t format, width, height, bgra;
	uint32_t nimages;
	uint64_t* images;
	uint64_t* done;      // one semaphore per image: copy finished, present may start
	uint64_t acquired;   // semaphore: image acquired
	uint64_t fence;      // the last copy
	uint64_t pool;
	void* cmd;
	int submitted;

	void *getSupport, *getCaps, *getFormats, *getModes, *destroySurface;
	void *createSwapchain, *destroySwapchain, *getImages, *acquire, *present;
	void *createSemaphore, *destroySemaphore, *createFence, *destroyFence, *waitFences, *resetFences;
	void *createPool, *destroyPool, *allocCmd, *resetCmd, *beginCmd, *endCmd, *barrier, *copyToImage;
	void *submit, *queueWaitIdle;
} vkt_presenter;

typedef int32_t (*vkt_create_fn)(void*, const void*, const void*, uint64_t*);
typedef void (*vkt_destroy_fn)(void*, uint64_t, const void*);

static int32_t vkt_presenter_init(void* gipa, vkt_presenter* p) {
	vkt_pgipa_fn gi = (vkt_pgipa_fn)gipa;
	vkt_pgdpa_fn gd = (vkt_pgdpa_fn)gi(p->instance, "vkGetDeviceProcAddr");
	if (!gd) return VKT_MISSING;
	void** need[] = {
		&p->getSupport, &p->getCaps, &p->getFormats, &p->getModes, &p->destroySurface,
		&p->createSwapchain, &p->destroySwapchain, &p->getImages, &p->acquire, &p->present,
		&p->createSemaphore, &p->destroySemaphore, &p->createFence, &p->destroyFence, &p->waitFences, &p->resetFences,
		&p->createPool, &p->destroyPool, &p->allocCmd, &p->resetCmd, &p->beginCmd, &p->endCmd, &p->barrier, &p->copyToImage,
		&p->submit, &p->queueWaitIdle,
	};
	const char* inames[] = {
		"vkGetPhysicalDeviceSurfaceSupportKHR", "vkGetPhysicalDeviceSurfaceCapabilitiesKHR",
		"vkGetPhysicalDeviceSurfaceFormatsKHR", "vkGetPhysicalDeviceSurfacePresentModesKHR", "vkDestroySurfaceKHR",
	};
	const char* dnames[] = {
		"vkCreateSwapchainKHR", "vkDestroySwapchainKHR", "vkGetSwapchainImagesKHR", "vkAcquireNextImageKHR", "vkQueuePresentKHR",
		"vkCreateSemaphore", "vkDestroySemaphore", "vkCreateFence", "vkDestroyFence", "vkWaitForFences", "vkResetFences",
		"vkCreateCommandPool", "vkDestroyCommandPool", "vkAllocateCommandBuffers", "vkResetCommandBuffer",
		"vkBeginCommandBuffer", "vkEndCommandBuffer", "vkCmdPipelineBarrier", "vkCmdCopyBufferToImage",
		"vkQueueSubmit", "vkQueueWaitIdle",
	};
	int ni = sizeof inames / sizeof inames[0], nd = sizeof dnames / sizeof dnames[0];
	for (int i = 0; i < ni; i++) *need[i] = gi(p->instance, inames[i]);
	for (int i = 0; i < nd; i++) *need[ni + i] = gd(p->device, dnames[i]);
	for (int i = 0; i < ni + nd; i++) if (!*need[i]) return VKT_MISSING;

	uint32_t ok = 0;
	typedef int32_t (*support_t)(void*, uint32_t, uint64_t, uint32_t*);
	int32_t r = ((support_t)p->getSupport)(p->phys, p->family, p->surface, &ok);
	if (r != 0) return r;
	if (!ok) return VKT_NO_SUPPORT;

	struct { uint32_t sType; const void* pNext; uint32_t flags; } sci = { 9, NULL, 0 }, fci = { 8, NULL, 0 };
	if ((r = ((vkt_create_fn)p->createSemaphore)(p->device, &sci, NULL, &p->acquired)) != 0) return r;
	if ((r = ((vkt_create_fn)p->createFence)(p->device, &fci, NULL, &p->fence)) != 0) return r;
	struct { uint32_t sType; const void* pNext; uint32_t flags, family; } pci = { 39, NULL, 2, p->family }; // RESET_COMMAND_BUFFER
	if ((r = ((vkt_create_fn)p->createPool)(p->device, &pci, NULL, &p->pool)) != 0) return r;
	struct { uint32_t sType; const void* pNext; uint64_t pool; uint32_t level, count; } ai = { 40, NULL, p->pool, 0, 1 };
	typedef int32_t (*alloc_t)(void*, const void*, void**);
	return ((alloc_t)p->allocCmd)(p->device, &ai, &p->cmd);
}

// vkt_presenter_wait waits for the last copy the presenter submitted.
static int32_t vkt_presenter_wait(vkt_presenter* p) {
	if (!p->submitted) return 0;
	typedef int32_t (*wait_t)(void*, uint32_t, const uint64_t*, uint32_t, uint64_t);
	typedef int32_t (*reset_t)(void*, uint32_t, const uint64_t*);
	int32_t r = ((wait_t)p->waitFences)(p->device, 1, &p->fence, 1, ~(uint64_t)0);
	if (r != 0) return r;
	p->submitted = 0;
	return ((reset_t)p->resetFences)(p->device, 1, &p->fence);
}

// vkt_presenter_release_images destroys the per-image semaphores and, unless
// keep (it becomes the old swapchain of the next one), the swapchain.
static void vkt_presenter_release_images(vkt_presenter* p, int keep) {
	for (uint32_t i = 0; i < p->nimages; i++) ((vkt_destroy_fn)p->destroySemaphore)(p->device, p->done[i], NULL);
	free(p->images); free(p->done);
	p->images = NULL; p->done = NULL; p->nimages = 0;
	if (!keep && p->swapchain) {
		((vkt_destroy_fn)p->destroySwapchain)(p->device, p->swapchain, NULL);
		p->swapchain = 0;
	}
	p->width = p->height = 0;
}

// vkt_presenter_configure (re)creates the swapchain at the surface's size,
// or at fbw×fbh when the surface leaves it to the swapchain. The caller
// holds the device's queue (it waits for the queue to go idle). A zero
// extent (a minimized window) leaves no swapchain.
static int32_t vkt_presenter_configure(vkt_presenter* p, void* queue, uint32_t fbw, uint32_t fbh) {
	int32_t r = vkt_presenter_wait(p);
	if (r != 0) return r;
	// Presents may still wait on the per-image semaphores.
	typedef int32_t (*idle_t)(void*);
	if ((r = ((idle_t)p->queueWaitIdle)(queue)) != 0) return r;
	vkt_presenter_release_images(p, 1);

	struct {
		uint32_t minImages, maxImages, curW, curH, minW, minH, maxW, maxH, maxLayers;
		uint32_t transforms, curTransform, alpha, usage;
	} caps;
	typedef int32_t (*caps_t)(void*, uint64_t, void*);
	if ((r = ((caps_t)p->getCaps)(p->phys, p->surface, &caps)) != 0) return r;
	uint32_t w = caps.curW, h = caps.curH;
	if (w == 0xFFFFFFFFu) {
		w = fbw < caps.minW ? caps.minW : fbw > caps.maxW ? caps.maxW : fbw;
		h = fbh < caps.minH ? caps.minH : fbh > caps.maxH ? caps.maxH : fbh;
	}
	if (w == 0 || h == 0) {
		vkt_presenter_release_images(p, 0);
		return 0;
	}
	if (!(caps.usage & 0x10)) return VKT_NO_TRANSFER_DST; // TRANSFER_DST

	typedef int32_t (*list_t)(void*, uint64_t, uint32_t*, void*);
	uint32_t n = 0;
	if ((r = ((list_t)p->getFormats)(p->phys, p->surface, &n, NULL)) < 0) return r;
	struct { uint32_t format, colorSpace; }* formats = calloc(n + 1, 8);
	if ((r = ((list_t)p->getFormats)(p->phys, p->surface, &n, formats)) < 0) { free(formats); return r; }
	int chosen = -1, unorm = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = formats[i].format;
		int isB = f == 44 || f == 50, isR = f == 37 || f == 43; // B8G8R8A8 / R8G8B8A8 UNORM or SRGB
		if (!isB && !isR) continue;
		int u = f == 44 || f == 37;
		if (chosen < 0 || (u && !unorm)) { chosen = i; unorm = u; p->bgra = isB; }
	}
	if (chosen < 0) { free(formats); return VKT_NO_FORMAT; }
	uint32_t format = formats[chosen].format, colorSpace = formats[chosen].colorSpace;
	free(formats);

	uint32_t mode = 2; // FIFO: always supported
	if ((r = ((list_t)p->getModes)(p->phys, p->surface, &n, NULL)) < 0) return r;
	uint32_t* modes = calloc(n + 1, 4);
	if ((r = ((list_t)p->getModes)(p->phys, p->surface, &n, modes)) < 0) { free(modes); return r; }
	// Prefer modes that never make the training thread wait for vsync.
	for (uint32_t i = 0; i < n; i++) {
		if (modes[i] == 1 || (modes[i] == 0 && mode != 1)) mode = modes[i]; // MAILBOX, IMMEDIATE
	}
	free(modes);

	uint32_t count = caps.minImages + 1;
	if (caps.maxImages > 0 && count > caps.maxImages) count = caps.maxImages;
	uint32_t alpha = 1;
	uint32_t order[] = { 1, 8, 2, 4 }; // OPAQUE, INHERIT, PRE_MULTIPLIED, POST_MULTIPLIED
	for (int i = 0; i < 4; i++) if (caps.alpha & order[i]) { alpha = order[i]; break; }

	struct {
		uint32_t sType; const void* pNext; uint32_t flags; uint64_t surface;
		uint32_t minImages, format, colorSpace, w, h, layers, usage, sharing;
		uint32_t nfamilies; const uint32_t* families;
		uint32_t transform, alpha, mode, clipped; uint64_t old;
	} ci = { 1000001000, NULL, 0, p->surface, count, format, colorSpace, w, h, 1, 0x10, 0,
	         0, NULL, caps.curTransform, alpha, mode, 1, p->swapchain };
	uint64_t sw = 0;
	r = ((vkt_create_fn)p->createSwapchain)(p->device, &ci, NULL, &sw);
	if (p->swapchain) ((vkt_destroy_fn)p->destroySwapchain)(p->device, p->swapchain, NULL);
	p->swapchain = 0;
	if (r != 0) return r;
	p->swapchain = sw; p->format = format; p->width = w; p->height = h;

	typedef int32_t (*images_t)(void*, uint64_t, uint32_t*, uint64_t*);
	if ((r = ((images_t)p->getImages)(p->device, sw, &n, NULL)) < 0) return r;
	p->images = calloc(n + 1, 8);
	p->done = calloc(n + 1, 8);
	if ((r = ((images_t)p->getImages)(p->device, sw, &n, p->images)) < 0) return r;
	struct { uint32_t sType; const void* pNext; uint32_t flags; } sci = { 9, NULL, 0 };
	for (uint32_t i = 0; i < n; i++) {
		if ((r = ((vkt_create_fn)p->createSemaphore)(p->device, &sci, NULL, &p->done[i])) != 0) return r;
		p->nimages = i + 1;
	}
	return 0;
}

// vkt_presenter_acquire waits for the previous copy and acquires the next
// image into *idx (VK_SUCCESS, VK_SUBOPTIMAL_KHR, or a result the caller
// interprets: timeout, out of date).
static int32_t vkt_presenter_acquire(vkt_presenter* p, uint32_t* idx) {
	int32_t r = vkt_presenter_wait(p);
	if (r != 0) return r;
	typedef int32_t (*acq_t)(void*, uint64_t, uint64_t, uint64_t, uint64_t, uint32_t*);
	return ((acq_t)p->acquire)(p->device, p->swapchain, 2000000000ull, p->acquired, 0, idx);
}

// vkt_presenter_record records into the presenter's command buffer: wait for
// the compute writes to src, move image idx to TRANSFER_DST, copy w×h
// 32-bit pixels (rows of w) from src at offset, move it to PRESENT_SRC.
static int32_t vkt_presenter_record(vkt_presenter* p, uint32_t idx, uint64_t src, uint64_t offset, uint32_t w, uint32_t h) {
	typedef int32_t (*reset_t)(void*, uint32_t);
	typedef int32_t (*begin_t)(void*, const void*);
	typedef int32_t (*end_t)(void*);
	typedef void (*barrier_t)(void*, uint32_t, uint32_t, uint32_t, uint32_t, const void*, uint32_t, const void*, uint32_t, const void*);
	typedef void (*copy_t)(void*, uint64_t, uint64_t, uint32_t, uint32_t, const void*);
	int32_t r = ((reset_t)p->resetCmd)(p->cmd, 0);
	if (r != 0) return r;
	struct { uint32_t sType; const void* pNext; uint32_t flags; const void* inherit; } bi = { 42, NULL, 1, NULL }; // ONE_TIME_SUBMIT
	if ((r = ((begin_t)p->beginCmd)(p->cmd, &bi)) != 0) return r;
	struct { uint32_t sType; const void* pNext; uint32_t src, dst; } mem = { 46, NULL, 0x40, 0x800 }; // SHADER_WRITE -> TRANSFER_READ
	struct {
		uint32_t sType; const void* pNext; uint32_t src, dst, oldLayout, newLayout, srcFamily, dstFamily;
		uint64_t image; uint32_t aspect, baseLevel, levels, baseLayer, layers;
	} img = { 45, NULL, 0, 0x1000, 0, 7, ~0u, ~0u, p->images[idx], 1, 0, 1, 0, 1 }; // UNDEFINED -> TRANSFER_DST_OPTIMAL
	((barrier_t)p->barrier)(p->cmd, 0x800 | 0x1000, 0x1000, 0, 1, &mem, 0, NULL, 1, &img); // COMPUTE|TRANSFER -> TRANSFER
	struct {
		uint64_t offset; uint32_t rowLength, imageHeight;
		uint32_t aspect, level, baseLayer, layers;
		int32_t x, y, z; uint32_t w, h, d;
	} region = { offset, w, h, 1, 0, 0, 1, 0, 0, 0, w < p->width ? w : p->width, h < p->height ? h : p->height, 1 };
	((copy_t)p->copyToImage)(p->cmd, src, p->images[idx], 7, 1, &region);
	img.src = 0x1000; img.dst = 0; img.oldLayout = 7; img.newLayout = 1000001002; // -> PRESENT_SRC_KHR
	((barrier_t)p->barrier)(p->cmd, 0x1000, 0x2000, 0, 0, NULL, 0, NULL, 1, &img); // TRANSFER -> BOTTOM_OF_PIPE
	return ((end_t)p->endCmd)(p->cmd);
}

// vkt_presenter_submit submits the recorded copy (after the acquire,
// signalling the image's semaphore and the fence) and presents image idx.
// *submitResult is the submit's VkResult; the present's is returned.
static int32_t vkt_presenter_submit(vkt_presenter* p, void* queue, uint32_t idx, int32_t* submitResult) {
	uint32_t stage = 0x1000; // TRANSFER
	struct {
		uint32_t sType; const void* pNext;
		uint32_t nwait; const uint64_t* wait; const uint32_t* stages;
		uint32_t ncmds; void* const* cmds;
		uint32_t nsignal; const uint64_t* signal;
	} si = { 4, NULL, 1, &p->acquired, &stage, 1, &p->cmd, 1, &p->done[idx] };
	typedef int32_t (*submit_t)(void*, uint32_t, const void*, uint64_t);
	*submitResult = ((submit_t)p->submit)(queue, 1, &si, p->fence);
	if (*submitResult != 0) return 0;
	p->submitted = 1;
	struct {
		uint32_t sType; const void* pNext;
		uint32_t nwait; const uint64_t* wait;
		uint32_t nswap; const uint64_t* swaps; const uint32_t* indices; int32_t* results;
	} pi = { 1000001001, NULL, 1, &p->done[idx], 1, &p->swapchain, &idx, NULL };
	typedef int32_t (*present_t)(void*, const void*);
	return ((present_t)p->present)(queue, &pi);
}

// vkt_presenter_destroy releases everything, the surface included. The
// caller holds the device's queue.
static void vkt_presenter_destroy(vkt_presenter* p, void* queue) {
	if (p->device) {
		if (p->waitFences) vkt_presenter_wait(p);
		if (p->queueWaitIdle) ((int32_t (*)(void*))p->queueWaitIdle)(queue);
		if (p->destroySemaphore) vkt_presenter_release_images(p, 0);
		if (p->pool && p->destroyPool) ((vkt_destroy_fn)p->destroyPool)(p->device, p->pool, NULL); // frees cmd
		if (p->fence && p->destroyFence) ((vkt_destroy_fn)p->destroyFence)(p->device, p->fence, NULL);
		if (p->acquired && p->destroySemaphore) ((vkt_destroy_fn)p->destroySemaphore)(p->device, p->acquired, NULL);
	}
	if (p->surface && p->destroySurface) {
		typedef void (*fn_t)(void*, uint64_t, const void*);
		((fn_t)p->destroySurface)(p->instance, p->surface, NULL);
	}
	free(p);
}
// vkt_headless_surface creates a VK_EXT_headless_surface surface (tests).
static int32_t vkt_headless_surface(void* gipa, void* instance, uint64_t* out) {
	typedef int32_t (*fn_t)(void*, const void*, const void*, uint64_t*);
	fn_t f = (fn_t)((vkt_pgipa_fn)gipa)(instance, "vkCreateHeadlessSurfaceEXT");
	if (!f) return VKT_MISSING;
	struct { uint32_t sType; const void* pNext; uint32_t flags; } ci = { 1000256000, NULL, 0 };
	return f(instance, &ci, NULL, out);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// VkInstance returns the device's VkInstance handle, for window libraries
// that create a VkSurfaceKHR on it (GLFW's Window.CreateWindowSurface). The
// Device owns the instance: do not destroy it.
func (d *Device) VkInstance() unsafe.Pointer { return unsafe.Pointer(d.inst) }

// Presenter shows frames in a window: it owns the window's VkSurfaceKHR, a
// swapchain on the device's queue and what a frame's copy needs (no
// graphics pipeline: each frame is a buffer-to-image copy between two
// layout transitions). Open the Device with the window system's instance
// extensions and VK_KHR_swapchain (Options.InstanceExtensions and
// DeviceExtensions). A Presenter is driven by one goroutine; close it
// before its Device.
type Presenter struct {
	d     *Device
	c     *C.vkt_presenter
	stale bool
}

// NewPresenter takes ownership of surface (a VkSurfaceKHR created on
// d.VkInstance()) and prepares to present to it; call Resize before the
// first Present. It fails (with ErrUnsupported) when the device's queue
// cannot present to the surface; on any failure the surface is destroyed.
func (d *Device) NewPresenter(surface uint64) (*Presenter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return nil, err
	}
	c := (*C.vkt_presenter)(C.calloc(1, C.size_t(unsafe.Sizeof(C.vkt_presenter{}))))
	c.instance, c.phys, c.device = unsafe.Pointer(d.inst), unsafe.Pointer(d.phys), unsafe.Pointer(d.dev)
	c.family, c.surface = C.uint32_t(d.family), C.uint64_t(surface)
	if r := C.vkt_presenter_init(gipa, c); r != 0 {
		C.vkt_presenter_destroy(c, unsafe.Pointer(d.queue))
		if r == C.VKT_NO_SUPPORT {
			return nil, fmt.Errorf("%w: %s cannot present to this surface from its compute queue (family %d)", ErrUnsupported, d.info.Name, d.family)
		}
		return nil, fmt.Errorf("gpu: NewPresenter: %w", vkErr("presenter setup", vk.Result(r)))
	}
	return &Presenter{d: d, c: c, stale: true}, nil
}

// Resize (re)creates the swapchain at the surface's current size, or at
// width×height (the window's framebuffer size) where the surface leaves
// the size to the swapchain. A zero size (a minimized window) leaves no
// swapchain: Size reports 0×0 and Present does nothing until the next
// Resize.
func (p *Presenter) Resize(width, height int) error {
	if p.c == nil {
		return fmt.Errorf("%w: Resize after Presenter.Close", ErrClosed)
	}
	d := p.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	p.stale = false
	switch r := C.vkt_presenter_configure(p.c, unsafe.Pointer(d.queue), C.uint32_t(max(width, 0)), C.uint32_t(max(height, 0))); r {
	case 0:
		return nil
	case C.VKT_NO_TRANSFER_DST:
		return fmt.Errorf("%w: the window's swapchain images cannot be copy destinations", ErrUnsupported)
	case C.VKT_NO_FORMAT:
		return fmt.Errorf("%w: the window offers no 8-bit RGBA or BGRA swapchain format", ErrUnsupported)
	default:
		p.stale = true
		return fmt.Errorf("gpu: swapchain: %w", vkErr("vkCreateSwapchainKHR", vk.Result(r)))
	}
}

// Size is the swapchain's extent (0×0 before Resize, when minimized or
// after Close).
func (p *Presenter) Size() (width, height int) {
	if p.c == nil {
		return 0, 0
	}
	return int(p.c.width), int(p.c.height)
}

// BGRA reports whether the swapchain's pixels are stored blue first, so
// that frames must be written as B, G, R, A bytes (else R, G, B, A).
func (p *Presenter) BGRA() bool { return p.c != nil && p.c.bgra != 0 }

// Stale reports whether the swapchain no longer matches the surface (the
// window was resized, or no swapchain was made yet): call Resize. A closed
// Presenter is stale for good.
func (p *Presenter) Stale() bool { return p.c == nil || p.stale || p.c.swapchain == 0 }

// errPresent is wrapped by Present's errors.
var errPresent = errors.New("gpu: Present")

// Present copies width×height 32-bit pixels, stored row after row in src
// from offset on, into the next swapchain image and presents it. Pixels
// beyond the swapchain's size are cut off. src must stay allocated until the
// next Present or Close returns. The copy is queued after all
// work recorded so far (the dispatch that drew the frame); Present waits
// only for the previous frame's copy, never for the device's other work.
// When the swapchain is stale or minimized the frame is skipped (nil
// error; see Stale).
func (p *Presenter) Present(src *Buffer, offset, width, height int) error {
	if p.Stale() {
		return nil
	}
	d := p.d
	if width <= 0 || height <= 0 {
		return fmt.Errorf("%w: %w: frame of %d×%d pixels", errPresent, ErrInvalid, width, height)
	}
	if src == nil {
		return fmt.Errorf("%w: %w: nil buffer", errPresent, ErrInvalid)
	}
	// Check the range before acquiring: an acquired image must be presented.
	ranges := [1]BufferRange{src.Range(offset, 4*width*height, Read)}
	d.mu.Lock()
	err := d.usable()
	if err == nil {
		err = d.resolve(ranges[:], false, "Present")
	}
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: %w", errPresent, err)
	}
	var idx C.uint32_t
	switch r := vk.Result(C.vkt_presenter_acquire(p.c, &idx)); r {
	case vk.Success:
	case vk.Suboptimal:
		p.stale = true // present this one, then recreate
	case vk.ErrorOutOfDate:
		p.stale = true
		return nil
	case vk.Timeout, vk.NotReady:
		return nil // skip this frame
	default:
		return fmt.Errorf("%w: %w", errPresent, vkErr("vkAcquireNextImageKHR", r))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if err := d.resolve(ranges[:], false, "Present"); err != nil {
		return fmt.Errorf("%w: %w", errPresent, err)
	}
	t := d.rec.scr[0]
	if r := C.vkt_presenter_record(p.c, idx, handle(unsafe.Pointer(t.blk.buf)), C.uint64_t(t.lo),
		C.uint32_t(width), C.uint32_t(height)); r != 0 {
		return fmt.Errorf("%w: %w", errPresent, vkErr("recording the frame copy", vk.Result(r)))
	}
	// The frame's dispatch is in the current batch: submit it first. Work
	// recorded later starts with a global barrier, so it cannot overwrite
	// src before the copy has read it.
	if err := d.submit(); err != nil {
		return err
	}
	var sr C.int32_t
	r := vk.Result(C.vkt_presenter_submit(p.c, unsafe.Pointer(d.queue), idx, &sr))
	if err := vkErr("vkQueueSubmit", vk.Result(sr)); err != nil {
		return d.fail(err)
	}
	switch r {
	case vk.Success:
	case vk.Suboptimal, vk.ErrorOutOfDate:
		p.stale = true
	default:
		return fmt.Errorf("%w: %w", errPresent, vkErr("vkQueuePresentKHR", r))
	}
	return nil
}

// Close waits for the last frame and destroys the swapchain and the
// surface. The device stays open.
func (p *Presenter) Close() {
	if p.c == nil {
		return
	}
	d := p.d
	d.mu.Lock()
	if !d.closed {
		C.vkt_presenter_destroy(p.c, unsafe.Pointer(d.queue))
	} else {
		C.free(unsafe.Pointer(p.c)) // its Vulkan objects went with the device
	}
	d.mu.Unlock()
	p.c = nil
}

// headlessSurface creates a surface that presents nowhere
// (VK_EXT_headless_surface, which the device's instance must enable), so
// that tests can drive a Presenter without a window system.
func (d *Device) headlessSurface() (uint64, error) {
	var s C.uint64_t
	r := C.vkt_headless_surface(gipa, unsafe.Pointer(d.inst), &s)
	return uint64(s), vkErr("vkCreateHeadlessSurfaceEXT", vk.Result(r))
}
