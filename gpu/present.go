package gpu

import vk "github.com/vulkan-go/vulkan"

// Handles are the raw Vulkan objects behind a Device, for code that
// presents frames (a window surface and a swapchain on the device's
// queue). The Device keeps owning them: do not destroy them, and submit to
// Queue only inside Device.OnQueue.
type Handles struct {
	Instance       vk.Instance
	PhysicalDevice vk.PhysicalDevice
	Device         vk.Device
	Queue          vk.Queue
	QueueFamily    uint32 // family index of Queue
}

// Handles returns the device's Vulkan handles.
func (d *Device) Handles() Handles {
	return Handles{Instance: d.inst, PhysicalDevice: d.phys, Device: d.dev, Queue: d.queue, QueueFamily: d.family}
}

// VkBuffer returns the VkBuffer that holds b and the byte offset of b in
// it, for commands recorded outside the Device (such as
// vkCmdCopyBufferToImage). Such commands must be ordered after the work
// that writes b by a barrier of their own.
func (b *Buffer) VkBuffer() (vk.Buffer, uint64) { return b.c.blk.buf, b.c.off }

// OnQueue submits the current batch and then calls fn with the device's
// queue while holding the device's lock, so that what fn submits (and
// presents) is queued after all work recorded so far and nothing else
// uses the queue meanwhile. fn must not call the Device's methods. Work
// recorded afterwards starts with a global barrier, so it is ordered after
// the commands fn submitted.
func (d *Device) OnQueue(fn func(q vk.Queue) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return err
	}
	if err := d.submit(); err != nil {
		return err
	}
	return fn(d.queue)
}
