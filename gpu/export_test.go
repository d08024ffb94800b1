//go:build cgo

package gpu

import vk "github.com/vulkan-go/vulkan"

// provokeValidationError creates a zero-sized buffer, which the validation
// layer must report (VUID-VkBufferCreateInfo-size-00912).
func provokeValidationError(d *Device) {
	d.mu.Lock()
	defer d.mu.Unlock()
	bci := vk.BufferCreateInfo{
		SType: vk.StructureTypeBufferCreateInfo,
		Size:  0,
		Usage: vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit),
	}
	var buf vk.Buffer
	if vk.CreateBuffer(d.dev, &bci, nil, &buf) == vk.Success {
		vk.DestroyBuffer(d.dev, buf, nil)
	}
	bci.Free()
}
