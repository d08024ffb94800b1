package gpu

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these where
// one applies, so callers test with errors.Is.
var (
	// ErrNoLoader means the Vulkan loader (libvulkan.so.1, vulkan-1.dll,
	// libvulkan.1.dylib or libMoltenVK.dylib) could not be loaded or
	// initialised, or the program was built without cgo.
	ErrNoLoader = errors.New("gpu: no Vulkan loader")
	// ErrNoDevice means no usable physical device matched the request.
	ErrNoDevice = errors.New("gpu: no usable Vulkan device")
	// ErrOutOfMemory means device or host memory for Vulkan ran out.
	ErrOutOfMemory = errors.New("gpu: out of device memory")
	// ErrDeviceLost means the device was lost; the Device is unusable.
	ErrDeviceLost = errors.New("gpu: device lost")
	// ErrTooLarge means a request exceeds a device limit (for example a
	// buffer larger than maxStorageBufferRange).
	ErrTooLarge = errors.New("gpu: request exceeds device limit")
	// ErrClosed means the Device (or Buffer) was used after Close (Free).
	ErrClosed = errors.New("gpu: use after close")
	// ErrInvalid means an argument was malformed (wrong binding count,
	// range outside a buffer, unaligned fill, ...).
	ErrInvalid = errors.New("gpu: invalid argument")
	// ErrUnsupported means the device or the Open options do not provide
	// an optional feature (such as pipeline statistics).
	ErrUnsupported = errors.New("gpu: not supported")
)

// errNoCgo is what Open and Devices return in a program built without cgo
// (CGO_ENABLED=0): the Vulkan binding is C. It wraps ErrNoLoader, so
// callers that fall back to the CPU without a Vulkan driver do so here too.
var errNoCgo = fmt.Errorf("%w: this program was built without cgo (CGO_ENABLED=0), and the Vulkan binding needs it; "+
	"rebuild with CGO_ENABLED=1 and a C compiler to use the GPU", ErrNoLoader)

// LoadError reports that the Vulkan loader library could not be opened or
// lacks vkGetInstanceProcAddr. It wraps ErrNoLoader.
type LoadError struct {
	Library string // library name that was tried, e.g. "libvulkan.so.1"
	Reason  string // dlerror or GetLastError text, or other cause
}

// Error names the library and the reason.
func (e *LoadError) Error() string {
	return fmt.Sprintf("gpu: cannot load Vulkan loader %s: %s", e.Library, e.Reason)
}

// Unwrap returns ErrNoLoader.
func (e *LoadError) Unwrap() error { return ErrNoLoader }

// VkError is a failed Vulkan call: the operation and its VkResult.
// It wraps ErrOutOfMemory for the out-of-memory results and ErrDeviceLost for
// VK_ERROR_DEVICE_LOST, so errors.Is works on it.
type VkError struct {
	Op     string // Vulkan function or higher-level operation that failed
	Result int32  // the VkResult value
}

// Error names the operation and the VkResult, e.g.
// "gpu: vkQueueSubmit failed: VK_ERROR_DEVICE_LOST".
func (e *VkError) Error() string {
	return fmt.Sprintf("gpu: %s failed: %s", e.Op, ResultString(e.Result))
}

// Unwrap maps the VkResult to a sentinel error, or nil.
func (e *VkError) Unwrap() error {
	switch e.Result {
	case -1, -2: // VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY
		return ErrOutOfMemory
	case -4: // VK_ERROR_DEVICE_LOST
		return ErrDeviceLost
	}
	return nil
}

// ResultString names a VkResult value, e.g. "VK_ERROR_DEVICE_LOST".
func ResultString(r int32) string {
	switch r {
	case 0:
		return "VK_SUCCESS"
	case 1:
		return "VK_NOT_READY"
	case 2:
		return "VK_TIMEOUT"
	case 3:
		return "VK_EVENT_SET"
	case 4:
		return "VK_EVENT_RESET"
	case 5:
		return "VK_INCOMPLETE"
	case -1:
		return "VK_ERROR_OUT_OF_HOST_MEMORY"
	case -2:
		return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
	case -3:
		return "VK_ERROR_INITIALIZATION_FAILED"
	case -4:
		return "VK_ERROR_DEVICE_LOST"
	case -5:
		return "VK_ERROR_MEMORY_MAP_FAILED"
	case -6:
		return "VK_ERROR_LAYER_NOT_PRESENT"
	case -7:
		return "VK_ERROR_EXTENSION_NOT_PRESENT"
	case -8:
		return "VK_ERROR_FEATURE_NOT_PRESENT"
	case -9:
		return "VK_ERROR_INCOMPATIBLE_DRIVER"
	case -10:
		return "VK_ERROR_TOO_MANY_OBJECTS"
	case -11:
		return "VK_ERROR_FORMAT_NOT_SUPPORTED"
	case -12:
		return "VK_ERROR_FRAGMENTED_POOL"
	case -13:
		return "VK_ERROR_UNKNOWN"
	case -1000069000:
		return "VK_ERROR_OUT_OF_POOL_MEMORY"
	case -1000072003:
		return "VK_ERROR_INVALID_EXTERNAL_HANDLE"
	case -1000161000:
		return "VK_ERROR_FRAGMENTATION"
	case -1000012000:
		return "VK_ERROR_INVALID_SHADER_NV"
	}
	return fmt.Sprintf("VkResult(%d)", r)
}
