//go:build glfw

package view

/*
#include <stdint.h>

// Defined by GLFW, which github.com/go-gl/glfw compiles into the program.
// (go-gl's own wrapper hands the surface back as the address of a Go
// variable in a uintptr.)
extern int32_t glfwCreateWindowSurface(void* instance, void* window, const void* allocator, uint64_t* surface);
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vktensor/vktensor/gpu"
)

// createSurface creates a VkSurfaceKHR for win on the VkInstance instance.
func createSurface(instance unsafe.Pointer, win *glfw.Window) (uint64, error) {
	var s C.uint64_t
	if r := C.glfwCreateWindowSurface(instance, win.Handle(), nil, &s); r != 0 {
		return 0, fmt.Errorf("view: cannot create a Vulkan surface for the window: glfwCreateWindowSurface: %s", gpu.ResultString(int32(r)))
	}
	return uint64(s), nil
}
