package gpu

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <stdint.h>

// vkt_instance_version returns the loader's instance version (1.0 when
// vkEnumerateInstanceVersion does not exist).
static uint32_t vkt_instance_version(void* gipa) {
	typedef int32_t (*eiv_t)(uint32_t*);
	typedef void* (*gipa_t)(void*, const char*);
	eiv_t f = (eiv_t)((gipa_t)gipa)(NULL, "vkEnumerateInstanceVersion");
	uint32_t v = 1u << 22;
	if (f && f(&v) != 0) v = 1u << 22;
	return v;
}

static void* vkt_dlopen(const char* name, const char** err) {
	void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) *err = dlerror();
	return h;
}

static void* vkt_dlsym(void* h, const char* name, const char** err) {
	dlerror();
	void* p = dlsym(h, name);
	if (!p) *err = dlerror();
	return p;
}
*/
import "C"

import (
	"os"
	"sync"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

var (
	loadOnce sync.Once
	loadErr  error
	// gipa is vkGetInstanceProcAddr from the system loader. vulkan-go's own
	// default loader opens the development symlink libvulkan.so, which
	// runtime-only systems lack, so we resolve the versioned soname ourselves.
	gipa unsafe.Pointer
	// instanceMu serialises instance creation: vulkan-go keeps its function
	// pointers in process-wide C globals that vk.InitInstance rewrites.
	instanceMu sync.Mutex
)

// loadVulkan opens the Vulkan loader once per process. VKT_VULKAN_LIB may
// name a different library (e.g. a specific ICD loader for testing).
func loadVulkan() error {
	loadOnce.Do(func() {
		names := []string{"libvulkan.so.1", "libvulkan.so"}
		if lib := os.Getenv("VKT_VULKAN_LIB"); lib != "" {
			names = []string{lib}
		}
		var lerr *LoadError
		for _, name := range names {
			cname := C.CString(name)
			var cerr *C.char
			h := C.vkt_dlopen(cname, &cerr)
			C.free(unsafe.Pointer(cname))
			if h == nil {
				if lerr == nil {
					lerr = &LoadError{Library: name, Reason: C.GoString(cerr)}
				}
				continue
			}
			sym := C.CString("vkGetInstanceProcAddr")
			p := C.vkt_dlsym(h, sym, &cerr)
			C.free(unsafe.Pointer(sym))
			if p == nil {
				lerr = &LoadError{Library: name, Reason: C.GoString(cerr)}
				continue
			}
			gipa = p
			vk.SetGetInstanceProcAddr(p)
			if err := vk.Init(); err != nil {
				lerr = &LoadError{Library: name, Reason: err.Error()}
				gipa = nil
				continue
			}
			lerr = nil
			break
		}
		if lerr != nil {
			loadErr = lerr
		}
	})
	return loadErr
}

// instanceVersion is the highest Vulkan version the loader supports.
func instanceVersion() uint32 { return uint32(C.vkt_instance_version(gipa)) }
