//go:build cgo

package gpu

/*
#cgo linux LDFLAGS: -ldl
#include <stdlib.h>
#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#include <stdio.h>

// vkt_lib_error formats GetLastError into buf.
static const char* vkt_lib_error(char* buf, size_t n) {
	DWORD e = GetLastError();
	DWORD k = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, buf, (DWORD)n, NULL);
	if (k == 0) snprintf(buf, n, "error %lu", (unsigned long)e);
	while (k > 0 && (buf[k-1] == '\n' || buf[k-1] == '\r' || buf[k-1] == '.')) buf[--k] = 0;
	return buf;
}

// vkt_open loads the library name (UTF-16) and returns its
// vkGetInstanceProcAddr, or NULL with the reason in err.
static void* vkt_open(const uint16_t* name, const char* sym, char* err, size_t n) {
	HMODULE h = LoadLibraryW((LPCWSTR)name);
	if (!h) { vkt_lib_error(err, n); return NULL; }
	void* p = (void*)GetProcAddress(h, sym);
	if (!p) { vkt_lib_error(err, n); FreeLibrary(h); }
	return p;
}
#else
#include <dlfcn.h>
#include <string.h>

static void* vkt_open(const char* name, const char* sym, char* err, size_t n) {
	void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) { strncpy(err, dlerror(), n - 1); return NULL; }
	dlerror();
	void* p = dlsym(h, sym);
	if (!p) { const char* e = dlerror(); strncpy(err, e ? e : "symbol is NULL", n - 1); dlclose(h); }
	return p;
}
#endif

// vkt_open_any takes the name as the platform wants it: UTF-16 on Windows,
// UTF-8 elsewhere.
static void* vkt_open_any(const void* name, const char* sym, char* err, size_t n) {
	return vkt_open(name, sym, err, n);
}

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
*/
import "C"

import (
	"os"
	"runtime"
	"sync"
	"unicode/utf16"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

var (
	loadOnce sync.Once
	loadErr  error
	// gipa is vkGetInstanceProcAddr from the system loader. vulkan-go's own
	// default loader opens the development symlink libvulkan.so, which
	// runtime-only systems lack, and knows no macOS loader, so we resolve
	// the library ourselves.
	gipa unsafe.Pointer
	// instanceMu serialises instance creation: vulkan-go keeps its function
	// pointers in process-wide C globals that vk.InitInstance rewrites.
	instanceMu sync.Mutex
)

// loadVulkan opens the Vulkan loader once per process, trying
// loaderNames(runtime.GOOS) in order. VKT_VULKAN_LIB may name a different
// library (e.g. a specific ICD loader for testing).
func loadVulkan() error {
	loadOnce.Do(func() {
		names := loaderNames(runtime.GOOS)
		if lib := os.Getenv("VKT_VULKAN_LIB"); lib != "" {
			names = []string{lib}
		}
		var first *LoadError
		for _, name := range names {
			p, reason := openLibrary(name)
			if p == nil {
				if first == nil {
					first = &LoadError{Library: name, Reason: reason}
				}
				continue
			}
			gipa = p
			vk.SetGetInstanceProcAddr(p)
			if err := vk.Init(); err != nil {
				if first == nil {
					first = &LoadError{Library: name, Reason: err.Error()}
				}
				gipa = nil
				continue
			}
			first = nil
			break
		}
		if first != nil {
			loadErr = first
		}
	})
	return loadErr
}

// openLibrary loads a shared library and returns its
// vkGetInstanceProcAddr, or nil and the system's reason.
func openLibrary(name string) (unsafe.Pointer, string) {
	sym := C.CString("vkGetInstanceProcAddr")
	defer C.free(unsafe.Pointer(sym))
	var buf [512]C.char
	var p unsafe.Pointer
	if runtime.GOOS == "windows" {
		w := append(utf16.Encode([]rune(name)), 0)
		cw := C.malloc(C.size_t(2 * len(w)))
		defer C.free(cw)
		copy(unsafe.Slice((*uint16)(cw), len(w)), w)
		p = C.vkt_open_any(cw, sym, &buf[0], C.size_t(len(buf)))
	} else {
		cn := C.CString(name)
		defer C.free(unsafe.Pointer(cn))
		p = C.vkt_open_any(unsafe.Pointer(cn), sym, &buf[0], C.size_t(len(buf)))
	}
	if p == nil {
		return nil, C.GoString(&buf[0])
	}
	return p, ""
}

// instanceVersion is the highest Vulkan version the loader supports.
func instanceVersion() uint32 { return uint32(C.vkt_instance_version(gipa)) }
