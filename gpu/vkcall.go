//go:build cgo

package gpu

// This file holds the C side of every Vulkan call that takes an array, a
// string or a chain of structs: instance and device creation, the
// enumerations, shader modules, compute pipelines, descriptor-set and
// pipeline layouts and descriptor pools. vulkan-go copies such arguments
// into C memory and frees the copies from finalizers that the garbage
// collector may run while Vulkan still reads them; here the structs live on
// the C stack of the helper that makes the call, and every pointer in them
// is C memory or Go memory passed as an argument of that very call (which
// cgo keeps alive until it returns). Calls taking only handles and scalars
// stay with vulkan-go.

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void* (*vkt_gipa_fn)(void* instance, const char* name);
typedef void* (*vkt_gdpa_fn)(void* device, const char* name);

static void* vkt_iproc(void* gipa, void* instance, const char* name) {
	return ((vkt_gipa_fn)gipa)(instance, name);
}

static void* vkt_dproc(void* gipa, void* instance, void* device, const char* name) {
	vkt_gdpa_fn gdpa = (vkt_gdpa_fn)vkt_iproc(gipa, instance, "vkGetDeviceProcAddr");
	return gdpa ? gdpa(device, name) : NULL;
}

// VkExtensionProperties, VkLayerProperties, VkQueueFamilyProperties.
typedef struct { char name[256]; uint32_t spec; } vkt_ext_props;
typedef struct { char name[256]; uint32_t spec, impl; char desc[256]; } vkt_layer_props;
typedef struct { uint32_t flags, count, timestampBits, gw, gh, gd; } vkt_queue_family;

#define VKT_ERR_MISSING (-7) // VK_ERROR_EXTENSION_NOT_PRESENT: entry point missing

// vkt_instance_extensions lists the instance extensions of layer (NULL: the
// implementation's) into a malloc'd array; free it with free.
static int32_t vkt_instance_extensions(void* gipa, const char* layer, uint32_t* n, vkt_ext_props** out) {
	typedef int32_t (*fn_t)(const char*, uint32_t*, vkt_ext_props*);
	fn_t f = (fn_t)vkt_iproc(gipa, NULL, "vkEnumerateInstanceExtensionProperties");
	*n = 0; *out = NULL;
	if (!f) return VKT_ERR_MISSING;
	for (;;) {
		int32_t r = f(layer, n, NULL);
		if (r < 0) return r;
		free(*out);
		*out = calloc(*n + 1, sizeof **out);
		r = f(layer, n, *out);
		if (r != 5) return r; // 5: VK_INCOMPLETE, the list grew meanwhile
	}
}

static int32_t vkt_instance_layers(void* gipa, uint32_t* n, vkt_layer_props** out) {
	typedef int32_t (*fn_t)(uint32_t*, vkt_layer_props*);
	fn_t f = (fn_t)vkt_iproc(gipa, NULL, "vkEnumerateInstanceLayerProperties");
	*n = 0; *out = NULL;
	if (!f) return VKT_ERR_MISSING;
	for (;;) {
		int32_t r = f(n, NULL);
		if (r < 0) return r;
		free(*out);
		*out = calloc(*n + 1, sizeof **out);
		r = f(n, *out);
		if (r != 5) return r;
	}
}

static int32_t vkt_device_extensions(void* gipa, void* instance, void* phys, uint32_t* n, vkt_ext_props** out) {
	typedef int32_t (*fn_t)(void*, const char*, uint32_t*, vkt_ext_props*);
	fn_t f = (fn_t)vkt_iproc(gipa, instance, "vkEnumerateDeviceExtensionProperties");
	*n = 0; *out = NULL;
	if (!f) return VKT_ERR_MISSING;
	for (;;) {
		int32_t r = f(phys, NULL, n, NULL);
		if (r < 0) return r;
		free(*out);
		*out = calloc(*n + 1, sizeof **out);
		r = f(phys, NULL, n, *out);
		if (r != 5) return r;
	}
}

static void vkt_queue_families(void* gipa, void* instance, void* phys, uint32_t* n, vkt_queue_family** out) {
	typedef void (*fn_t)(void*, uint32_t*, vkt_queue_family*);
	fn_t f = (fn_t)vkt_iproc(gipa, instance, "vkGetPhysicalDeviceQueueFamilyProperties");
	*n = 0; *out = NULL;
	if (!f) return;
	f(phys, n, NULL);
	*out = calloc(*n + 1, sizeof **out);
	f(phys, n, *out);
}

// vkt_create_instance creates an instance; layers and exts are arrays of
// C strings.
static int32_t vkt_create_instance(void* gipa, const void* next, uint32_t flags, uint32_t api,
                                   uint32_t nlayers, char** layers, uint32_t nexts, char** exts, void** out) {
	struct {
		uint32_t sType; const void* pNext;
		const char* appName; uint32_t appVersion;
		const char* engineName; uint32_t engineVersion; uint32_t apiVersion;
	} app = { 0, NULL, "vktensor", 0, "vktensor", 0, api };
	struct {
		uint32_t sType; const void* pNext; uint32_t flags; const void* app;
		uint32_t nlayers; char** layers; uint32_t nexts; char** exts;
	} ci = { 1, next, flags, &app, nlayers, layers, nexts, exts };
	typedef int32_t (*fn_t)(const void*, const void*, void**);
	fn_t f = (fn_t)vkt_iproc(gipa, NULL, "vkCreateInstance");
	if (!f) return VKT_ERR_MISSING;
	return f(&ci, NULL, out);
}

// vkt_create_device creates a device with one queue of family; next is the
// feature chain.
static int32_t vkt_create_device(void* gipa, void* instance, void* phys, const void* next, uint32_t family,
                                 uint32_t nexts, char** exts, void** out) {
	float priority = 1.0f;
	struct {
		uint32_t sType; const void* pNext; uint32_t flags;
		uint32_t family, count; const float* priorities;
	} qi = { 2, NULL, 0, family, 1, &priority };
	struct {
		uint32_t sType; const void* pNext; uint32_t flags;
		uint32_t nqueues; const void* queues;
		uint32_t nlayers; char** layers;
		uint32_t nexts; char** exts;
		const void* features;
	} ci = { 3, next, 0, 1, &qi, 0, NULL, nexts, exts, NULL };
	typedef int32_t (*fn_t)(void*, const void*, const void*, void**);
	fn_t f = (fn_t)vkt_iproc(gipa, instance, "vkCreateDevice");
	if (!f) return VKT_ERR_MISSING;
	return f(phys, &ci, NULL, out);
}

// vkt_create_layouts creates a descriptor-set layout of n storage buffers
// (a push-descriptor layout when pushDesc) and a pipeline layout over it
// with push bytes of push constants. *failed is 1 when the pipeline layout
// failed (the set layout is then destroyed).
static int32_t vkt_create_layouts(void* gipa, void* instance, void* device, uint32_t n, uint32_t push, int pushDesc,
                                  uint64_t* setLayout, uint64_t* pipeLayout, int* failed) {
	typedef int32_t (*create_t)(void*, const void*, const void*, uint64_t*);
	typedef void (*destroy_t)(void*, uint64_t, const void*);
	create_t createSet = (create_t)vkt_dproc(gipa, instance, device, "vkCreateDescriptorSetLayout");
	create_t createPipe = (create_t)vkt_dproc(gipa, instance, device, "vkCreatePipelineLayout");
	destroy_t destroySet = (destroy_t)vkt_dproc(gipa, instance, device, "vkDestroyDescriptorSetLayout");
	*failed = 0;
	if (!createSet || !createPipe || !destroySet) return VKT_ERR_MISSING;
	struct { uint32_t binding, type, count, stages; const void* samplers; } b[32];
	if (n > 32) return -13; // VK_ERROR_UNKNOWN; the Go side checks maxBindings first
	for (uint32_t i = 0; i < n; i++) {
		b[i].binding = i; b[i].type = 7; b[i].count = 1; b[i].stages = 0x20; b[i].samplers = NULL; // STORAGE_BUFFER, COMPUTE
	}
	struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t n; const void* bindings; } sci =
		{ 32, NULL, pushDesc ? 1u : 0u, n, n ? (const void*)b : NULL };
	int32_t r = createSet(device, &sci, NULL, setLayout);
	if (r != 0) return r;
	struct { uint32_t stages, offset, size; } range = { 0x20, 0, push };
	struct {
		uint32_t sType; const void* pNext; uint32_t flags;
		uint32_t nsets; const uint64_t* sets; uint32_t nranges; const void* ranges;
	} lci = { 30, NULL, 0, 1, setLayout, push ? 1u : 0u, push ? (const void*)&range : NULL };
	r = createPipe(device, &lci, NULL, pipeLayout);
	if (r != 0) {
		destroySet(device, *setLayout, NULL);
		*setLayout = 0;
		*failed = 1;
	}
	return r;
}

// vkt_create_pipeline creates a shader module from code, a compute pipeline
// from it (entry point entry, spec constants 0..nspec-1 from spec, a
// required subgroup size when subgroup is non-zero) and destroys the module.
// *failed is 0 when the module failed, 1 when the pipeline did.
static int32_t vkt_create_pipeline(void* gipa, void* instance, void* device, uint64_t cache,
                                   const uint32_t* code, size_t codeSize, const char* entry,
                                   uint32_t nspec, const uint32_t* spec, uint32_t subgroup,
                                   uint32_t stageFlags, uint32_t pipeFlags, uint64_t layout,
                                   uint64_t* out, int* failed) {
	typedef int32_t (*module_t)(void*, const void*, const void*, uint64_t*);
	typedef void (*destroy_t)(void*, uint64_t, const void*);
	typedef int32_t (*pipes_t)(void*, uint64_t, uint32_t, const void*, const void*, uint64_t*);
	module_t createModule = (module_t)vkt_dproc(gipa, instance, device, "vkCreateShaderModule");
	destroy_t destroyModule = (destroy_t)vkt_dproc(gipa, instance, device, "vkDestroyShaderModule");
	pipes_t createPipes = (pipes_t)vkt_dproc(gipa, instance, device, "vkCreateComputePipelines");
	*failed = 0;
	if (!createModule || !destroyModule || !createPipes) return VKT_ERR_MISSING;
	struct { uint32_t sType; const void* pNext; uint32_t flags; size_t size; const uint32_t* code; } mci =
		{ 16, NULL, 0, codeSize, code };
	uint64_t module = 0;
	int32_t r = createModule(device, &mci, NULL, &module);
	if (r != 0) return r;

	struct { uint32_t id, offset; size_t size; } entries[64];
	if (nspec > 64) nspec = 64; // the Go side checks the count
	for (uint32_t i = 0; i < nspec; i++) { entries[i].id = i; entries[i].offset = 4 * i; entries[i].size = 4; }
	struct { uint32_t n; const void* entries; size_t size; const void* data; } si = { nspec, entries, 4 * (size_t)nspec, spec };
	// VkPipelineShaderStageRequiredSubgroupSizeCreateInfo
	struct { uint32_t sType; void* pNext; uint32_t size; } req = { 1000225001, NULL, subgroup };
	struct {
		uint32_t sType; const void* pNext; uint32_t flags; uint32_t stage;
		uint64_t module; const char* name; const void* spec;
	} stage = { 18, subgroup ? (const void*)&req : NULL, stageFlags, 0x20, module, entry, nspec ? (const void*)&si : NULL };
	struct {
		uint32_t sType; const void* pNext; uint32_t flags;
		struct {
			uint32_t sType; const void* pNext; uint32_t flags; uint32_t stage;
			uint64_t module; const char* name; const void* spec;
		} stage;
		uint64_t layout; uint64_t base; int32_t baseIndex;
	} ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = 29; ci.flags = pipeFlags; ci.layout = layout; ci.baseIndex = -1;
	memcpy(&ci.stage, &stage, sizeof stage);
	r = createPipes(device, cache, 1, &ci, NULL, out);
	destroyModule(device, module, NULL);
	*failed = 1;
	return r;
}

// vkt_create_pool creates a descriptor pool of sets sets with perSet
// storage buffers each.
static int32_t vkt_create_pool(void* gipa, void* instance, void* device, uint32_t sets, uint32_t perSet, uint64_t* out) {
	typedef int32_t (*fn_t)(void*, const void*, const void*, uint64_t*);
	fn_t f = (fn_t)vkt_dproc(gipa, instance, device, "vkCreateDescriptorPool");
	if (!f) return VKT_ERR_MISSING;
	struct { uint32_t type, count; } size = { 7, sets * perSet };
	struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t maxSets; uint32_t nsizes; const void* sizes; } ci =
		{ 33, NULL, 0, sets, 1, &size };
	return f(device, &ci, NULL, out);
}
typedef struct {
	uint32_t ntypes;
	struct { uint32_t flags, heap; } types[32];
	uint32_t nheaps;
	struct { uint64_t size; uint32_t flags; } heaps[16];
} vkt_memory_props;

static void vkt_memory_properties(void* gipa, void* instance, void* phys, vkt_memory_props* out) {
	typedef void (*fn_t)(void*, vkt_memory_props*);
	fn_t f = (fn_t)vkt_iproc(gipa, instance, "vkGetPhysicalDeviceMemoryProperties");
	memset(out, 0, sizeof *out);
	if (f) f(phys, out);
}
*/
import "C"

import (
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// cStrings is a C array of C strings.
type cStrings struct {
	p **C.char
	n int
}

func newCStrings(ss []string) cStrings {
	if len(ss) == 0 {
		return cStrings{}
	}
	p := (**C.char)(C.calloc(C.size_t(len(ss)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	a := unsafe.Slice(p, len(ss))
	for i, s := range ss {
		a[i] = C.CString(s)
	}
	return cStrings{p: p, n: len(ss)}
}

func (c cStrings) free() {
	if c.p == nil {
		return
	}
	for _, s := range unsafe.Slice(c.p, c.n) {
		C.free(unsafe.Pointer(s))
	}
	C.free(unsafe.Pointer(c.p))
}

// extNames converts a malloc'd array of VkExtensionProperties and frees it.
func extNames(p *C.vkt_ext_props, n C.uint32_t) []string {
	defer C.free(unsafe.Pointer(p))
	if p == nil {
		return nil
	}
	out := make([]string, 0, n)
	for _, e := range unsafe.Slice(p, n) {
		out = append(out, C.GoString(&e.name[0]))
	}
	return out
}

// instanceExtensions lists the instance extensions of layer ("" for the
// implementation and the implicit layers).
func instanceExtensions(layer string) ([]string, error) {
	var cl *C.char
	if layer != "" {
		cl = C.CString(layer)
		defer C.free(unsafe.Pointer(cl))
	}
	var n C.uint32_t
	var p *C.vkt_ext_props
	r := C.vkt_instance_extensions(gipa, cl, &n, &p)
	names := extNames(p, n)
	return names, vkErr("vkEnumerateInstanceExtensionProperties", vk.Result(r))
}

// instanceLayers lists the names of the installed instance layers.
func instanceLayers() ([]string, error) {
	var n C.uint32_t
	var p *C.vkt_layer_props
	r := C.vkt_instance_layers(gipa, &n, &p)
	defer C.free(unsafe.Pointer(p))
	var out []string
	if p != nil {
		for _, l := range unsafe.Slice(p, n) {
			out = append(out, C.GoString(&l.name[0]))
		}
	}
	return out, vkErr("vkEnumerateInstanceLayerProperties", vk.Result(r))
}

// deviceExtensions lists the extensions of a physical device.
func deviceExtensions(inst vk.Instance, phys vk.PhysicalDevice) ([]string, error) {
	var n C.uint32_t
	var p *C.vkt_ext_props
	r := C.vkt_device_extensions(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), &n, &p)
	names := extNames(p, n)
	return names, vkErr("vkEnumerateDeviceExtensionProperties", vk.Result(r))
}

// queueFamily is what we read of a VkQueueFamilyProperties.
type queueFamily struct {
	flags, count, timestampBits uint32
}

func queueFamilies(inst vk.Instance, phys vk.PhysicalDevice) []queueFamily {
	var n C.uint32_t
	var p *C.vkt_queue_family
	C.vkt_queue_families(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), &n, &p)
	defer C.free(unsafe.Pointer(p))
	if p == nil {
		return nil
	}
	out := make([]queueFamily, 0, n)
	for _, q := range unsafe.Slice(p, n) {
		out = append(out, queueFamily{flags: uint32(q.flags), count: uint32(q.count), timestampBits: uint32(q.timestampBits)})
	}
	return out
}

// createInstance calls vkCreateInstance. next is a C-allocated pNext chain
// (or nil).
func createInstance(next unsafe.Pointer, flags, api uint32, layers, exts []string) (vk.Instance, vk.Result) {
	cl, ce := newCStrings(layers), newCStrings(exts)
	defer cl.free()
	defer ce.free()
	var inst unsafe.Pointer
	r := C.vkt_create_instance(gipa, next, C.uint32_t(flags), C.uint32_t(api),
		C.uint32_t(cl.n), cl.p, C.uint32_t(ce.n), ce.p, &inst)
	return vk.Instance(inst), vk.Result(r)
}

// createDevice calls vkCreateDevice with one queue of family, the
// C-allocated feature chain next and the extensions exts.
func createDevice(inst vk.Instance, phys vk.PhysicalDevice, next unsafe.Pointer, family uint32, exts []string) (vk.Device, vk.Result) {
	ce := newCStrings(exts)
	defer ce.free()
	var dev unsafe.Pointer
	r := C.vkt_create_device(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), next, C.uint32_t(family),
		C.uint32_t(ce.n), ce.p, &dev)
	return vk.Device(dev), vk.Result(r)
}

// createLayouts makes the descriptor-set layout and the pipeline layout of
// a pipeline with bindings storage buffers and push bytes of constants; op
// names the call that failed.
func createLayouts(inst vk.Instance, dev vk.Device, bindings, push int, pushDesc bool) (vk.DescriptorSetLayout, vk.PipelineLayout, string, vk.Result) {
	var sl, pl C.uint64_t
	var failed C.int
	r := vk.Result(C.vkt_create_layouts(gipa, unsafe.Pointer(inst), unsafe.Pointer(dev), C.uint32_t(bindings), C.uint32_t(push),
		cbool(pushDesc), &sl, &pl, &failed))
	op := "vkCreateDescriptorSetLayout"
	if failed != 0 {
		op = "vkCreatePipelineLayout"
	}
	return fromHandle[vk.DescriptorSetLayout](sl), fromHandle[vk.PipelineLayout](pl), op, r
}

// pipelineArgs are the parts of a compute pipeline that vkt_create_pipeline
// puts together.
type pipelineArgs struct {
	code       []byte
	entry      string
	spec       []uint32
	subgroup   uint32
	stageFlags uint32
	pipeFlags  uint32
	layout     vk.PipelineLayout
	cache      vk.PipelineCache
}

// maxSpec is the most specialization constants a pipeline may have.
const maxSpec = 64

// createPipeline builds a shader module and a compute pipeline from it; op
// names the call that failed.
func createPipeline(inst vk.Instance, dev vk.Device, a pipelineArgs) (vk.Pipeline, string, vk.Result) {
	// SPIR-V words must be 4-byte aligned, which embedded data need not be.
	code := cbytes(a.code)
	defer cfree(code)
	entry := C.CString(a.entry)
	defer C.free(unsafe.Pointer(entry))
	var spec *C.uint32_t
	if len(a.spec) > 0 {
		spec = (*C.uint32_t)(unsafe.Pointer(&a.spec[0]))
	}
	var out C.uint64_t
	var failed C.int
	r := vk.Result(C.vkt_create_pipeline(gipa, unsafe.Pointer(inst), unsafe.Pointer(dev), handle(unsafe.Pointer(a.cache)),
		(*C.uint32_t)(code), C.size_t(len(a.code)), entry,
		C.uint32_t(len(a.spec)), spec, C.uint32_t(a.subgroup), C.uint32_t(a.stageFlags), C.uint32_t(a.pipeFlags),
		handle(unsafe.Pointer(a.layout)), &out, &failed))
	op := "vkCreateShaderModule"
	if failed != 0 {
		op = "vkCreateComputePipelines"
	}
	return fromHandle[vk.Pipeline](out), op, r
}

// createDescriptorPool makes a pool of sets descriptor sets with perSet
// storage buffers each.
func createDescriptorPool(inst vk.Instance, dev vk.Device, sets, perSet int) (vk.DescriptorPool, vk.Result) {
	var out C.uint64_t
	r := C.vkt_create_pool(gipa, unsafe.Pointer(inst), unsafe.Pointer(dev), C.uint32_t(sets), C.uint32_t(perSet), &out)
	return fromHandle[vk.DescriptorPool](out), vk.Result(r)
}

// fromHandle converts a non-dispatchable handle from our C declarations
// (uint64_t) to vulkan-go's type for it (a pointer on 64-bit platforms).
func fromHandle[T any](h C.uint64_t) T {
	var zero T
	if unsafe.Sizeof(zero) != unsafe.Sizeof(h) {
		panic("gpu: Vulkan handles are not 64-bit on this platform")
	}
	return *(*T)(unsafe.Pointer(&h))
}

// memoryProperties reads the memory types and heaps of a physical device
// into vulkan-go's struct, which the allocator reads.
func memoryProperties(inst vk.Instance, phys vk.PhysicalDevice) vk.PhysicalDeviceMemoryProperties {
	var c C.vkt_memory_props
	C.vkt_memory_properties(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), &c)
	mp := vk.PhysicalDeviceMemoryProperties{MemoryTypeCount: uint32(c.ntypes), MemoryHeapCount: uint32(c.nheaps)}
	for i := range mp.MemoryTypes {
		mp.MemoryTypes[i] = vk.MemoryType{PropertyFlags: vk.MemoryPropertyFlags(c.types[i].flags), HeapIndex: uint32(c.types[i].heap)}
	}
	for i := range mp.MemoryHeaps {
		mp.MemoryHeaps[i] = vk.MemoryHeap{Size: vk.DeviceSize(c.heaps[i].size), Flags: vk.MemoryHeapFlags(c.heaps[i].flags)}
	}
	return mp
}
