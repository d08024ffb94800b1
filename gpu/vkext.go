//go:build cgo

package gpu

// This file holds what vulkan-go (Vulkan 1.1.88 headers) lacks: the
// properties/features chains of newer versions and extensions, debug utils,
// push descriptors and memory budget, plus the recording and submitting
// calls that vulkan-go only offers with per-call heap allocations or with C
// copies freed by finalizers. Structs are declared with our own names and
// the layouts of the Vulkan specification; everything is called through
// function pointers from vkGet{Instance,Device}ProcAddr.

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void* (*vkt_gipa_t)(void* instance, const char* name);
typedef void* (*vkt_gdpa_t)(void* device, const char* name);

typedef struct { uint32_t sType; void* pNext; } vkt_header;

// VkPhysicalDeviceProperties2 / Features2 / MemoryProperties2. The embedded
// 1.0 structs are read through vulkan-go; here they are only storage, sized
// generously (824, 220 and 520 bytes on LP64).
typedef struct { uint32_t sType; void* pNext; uint64_t props[128]; } vkt_props2;
typedef struct { uint32_t sType; void* pNext; uint32_t f[55]; } vkt_features2;
typedef struct { uint32_t sType; void* pNext; uint64_t mem[80]; } vkt_memprops2;

typedef struct { uint32_t sType; void* pNext; uint32_t subgroupSize, stages, ops, quad; } vkt_subgroup_props;
typedef struct { uint32_t sType; void* pNext; uint32_t minSize, maxSize, maxWorkgroupSubgroups, stages; } vkt_sgsize_props;
typedef struct { uint32_t sType; void* pNext; uint32_t maxPushDescriptors; } vkt_pushdesc_props;
typedef struct { uint32_t sType; void* pNext; uint32_t maxPerSetDescriptors; uint64_t maxMemoryAllocationSize; } vkt_maint3_props;
typedef struct { uint32_t sType; void* pNext; uint64_t budget[16]; uint64_t usage[16]; } vkt_budget_props;

typedef struct { uint32_t sType; void* pNext; uint32_t f[4]; } vkt_16bit_features;  // 1.1 core
typedef struct { uint32_t sType; void* pNext; uint32_t f[12]; } vkt_v11_features;
typedef struct { uint32_t sType; void* pNext; uint32_t f[47]; } vkt_v12_features;
typedef struct { uint32_t sType; void* pNext; uint32_t f[15]; } vkt_v13_features;
typedef struct { uint32_t sType; void* pNext; uint32_t f[2]; } vkt_coopmat_features;
typedef struct { uint32_t sType; void* pNext; uint32_t f[1]; } vkt_exec_features; // pipelineExecutableInfo

// Indices into the VkBool32 arrays above (field order of the spec).
enum {
	F_ROBUST_BUFFER_ACCESS = 0, F_FLOAT64 = 39, F_INT64 = 40, F_INT16 = 41,
	V11_STORAGE16 = 0,
	V12_STORAGE8 = 2, V12_FLOAT16 = 7, V12_INT8 = 8, V12_BDA_CAPTURE = 39, V12_BDA_MULTIDEVICE = 40,
	V13_ROBUST_IMAGE = 0, V13_SUBGROUP_SIZE_CONTROL = 7, V13_FULL_SUBGROUPS = 8,
	COOP_MATRIX = 0, COOP_ROBUST = 1,
};

enum {
	ST_FEATURES2 = 1000059000, ST_PROPS2 = 1000059001, ST_MEMPROPS2 = 1000059006,
	ST_SUBGROUP_PROPS = 1000094000, ST_SGSIZE_PROPS = 1000225000, ST_SGSIZE_REQ = 1000225001,
	ST_PUSHDESC_PROPS = 1000080000, ST_MAINT3_PROPS = 1000168000, ST_BUDGET = 1000237000,
	ST_16BIT = 1000083000, ST_V11_FEATURES = 49, ST_V12_FEATURES = 51, ST_V13_FEATURES = 53,
	ST_COOPMAT_FEATURES = 1000506000,
	ST_COOPMAT_NV_FEATURES = 1000249000, // VkPhysicalDeviceCooperativeMatrixFeaturesNV: the same two flags
	ST_EXEC_FEATURES = 1000269000, ST_PIPELINE_INFO = 1000269001, ST_EXEC_PROPS = 1000269002,
	ST_EXEC_INFO = 1000269003, ST_EXEC_STAT = 1000269004,
	ST_DEBUG_MESSENGER = 1000128004,
	ST_WRITE_DESCRIPTOR_SET = 35, ST_DESCRIPTOR_SET_ALLOC = 34,
};

// Everything we learn about a device beyond vkGetPhysicalDeviceProperties.
typedef struct {
	uint32_t subgroupSize, subgroupStages, subgroupOps;
	uint32_t minSubgroupSize, maxSubgroupSize, sgsizeStages;
	uint32_t maxPushDescriptors;
	uint64_t maxMemoryAllocationSize;
	uint32_t storage16, storage8, float16, int8, int16, int64, float64;
	uint32_t subgroupSizeControl, fullSubgroups, coopMatrix, coopMatrixNV;
} vkt_devinfo;

// vkt_query fills out for a physical device. api is the device's API
// version; the flags say which extension structs may be chained.
static void vkt_query(void* gipa, void* instance, void* phys, uint32_t api,
                      int hasPushDesc, int hasSgSizeExt, int hasCoopMat, int hasCoopMatNV, vkt_devinfo* out) {
	typedef void (*fn_t)(void*, void*);
	fn_t getProps2 = (fn_t)((vkt_gipa_t)gipa)(instance, "vkGetPhysicalDeviceProperties2");
	fn_t getFeat2 = (fn_t)((vkt_gipa_t)gipa)(instance, "vkGetPhysicalDeviceFeatures2");
	memset(out, 0, sizeof(*out));
	if (!getProps2 || !getFeat2 || api < ((1u << 22) | (1u << 12))) return;

	vkt_props2 p2; memset(&p2, 0, sizeof p2); p2.sType = ST_PROPS2;
	vkt_subgroup_props sg; memset(&sg, 0, sizeof sg); sg.sType = ST_SUBGROUP_PROPS;
	vkt_maint3_props m3; memset(&m3, 0, sizeof m3); m3.sType = ST_MAINT3_PROPS;
	vkt_sgsize_props ss; memset(&ss, 0, sizeof ss); ss.sType = ST_SGSIZE_PROPS;
	vkt_pushdesc_props pd; memset(&pd, 0, sizeof pd); pd.sType = ST_PUSHDESC_PROPS;
	p2.pNext = &sg; sg.pNext = &m3;
	vkt_header* tail = (vkt_header*)&m3;
	int api13 = api >= ((1u << 22) | (3u << 12));
	if (api13 || hasSgSizeExt) { tail->pNext = &ss; tail = (vkt_header*)&ss; }
	if (hasPushDesc) { tail->pNext = &pd; tail = (vkt_header*)&pd; }
	getProps2(phys, &p2);
	out->subgroupSize = sg.subgroupSize; out->subgroupStages = sg.stages; out->subgroupOps = sg.ops;
	out->minSubgroupSize = ss.minSize; out->maxSubgroupSize = ss.maxSize; out->sgsizeStages = ss.stages;
	out->maxPushDescriptors = pd.maxPushDescriptors;
	out->maxMemoryAllocationSize = m3.maxMemoryAllocationSize;

	vkt_features2 f2; memset(&f2, 0, sizeof f2); f2.sType = ST_FEATURES2;
	vkt_16bit_features f16; memset(&f16, 0, sizeof f16); f16.sType = ST_16BIT;
	vkt_v11_features v11; memset(&v11, 0, sizeof v11); v11.sType = ST_V11_FEATURES;
	vkt_v12_features v12; memset(&v12, 0, sizeof v12); v12.sType = ST_V12_FEATURES;
	vkt_v13_features v13; memset(&v13, 0, sizeof v13); v13.sType = ST_V13_FEATURES;
	vkt_coopmat_features cm; memset(&cm, 0, sizeof cm); cm.sType = ST_COOPMAT_FEATURES;
	vkt_coopmat_features nv; memset(&nv, 0, sizeof nv); nv.sType = ST_COOPMAT_NV_FEATURES;
	int api12 = api >= ((1u << 22) | (2u << 12));
	tail = (vkt_header*)&f2;
	if (api12) {
		tail->pNext = &v11; v11.pNext = &v12; tail = (vkt_header*)&v12;
		if (api13) { tail->pNext = &v13; tail = (vkt_header*)&v13; }
	} else {
		tail->pNext = &f16; tail = (vkt_header*)&f16;
	}
	if (hasCoopMat) { tail->pNext = &cm; tail = (vkt_header*)&cm; }
	if (hasCoopMatNV) { tail->pNext = &nv; tail = (vkt_header*)&nv; }
	getFeat2(phys, &f2);
	out->int16 = f2.f[F_INT16]; out->int64 = f2.f[F_INT64]; out->float64 = f2.f[F_FLOAT64];
	out->storage16 = api12 ? v11.f[V11_STORAGE16] : f16.f[0];
	out->storage8 = v12.f[V12_STORAGE8]; out->float16 = v12.f[V12_FLOAT16]; out->int8 = v12.f[V12_INT8];
	out->subgroupSizeControl = v13.f[V13_SUBGROUP_SIZE_CONTROL]; out->fullSubgroups = v13.f[V13_FULL_SUBGROUPS];
	out->coopMatrix = cm.f[COOP_MATRIX];
	out->coopMatrixNV = nv.f[COOP_MATRIX];
}

// vkt_feature_chain builds (malloc) the pNext chain for VkDeviceCreateInfo:
// every supported feature of the structs above is enabled, except the
// robustness and capture/replay ones that cost performance. Free with
// vkt_free_chain.
static void* vkt_feature_chain(void* gipa, void* instance, void* phys, uint32_t api, int hasCoopMat, int hasCoopMatNV, int execProps) {
	typedef void (*fn_t)(void*, void*);
	fn_t getFeat2 = (fn_t)((vkt_gipa_t)gipa)(instance, "vkGetPhysicalDeviceFeatures2");
	if (!getFeat2 || api < ((1u << 22) | (1u << 12))) return NULL;
	vkt_features2* f2 = calloc(1, sizeof *f2); f2->sType = ST_FEATURES2;
	vkt_header* tail = (vkt_header*)f2;
	if (api >= ((1u << 22) | (2u << 12))) {
		vkt_v11_features* v11 = calloc(1, sizeof *v11); v11->sType = ST_V11_FEATURES;
		vkt_v12_features* v12 = calloc(1, sizeof *v12); v12->sType = ST_V12_FEATURES;
		tail->pNext = v11; v11->pNext = v12; tail = (vkt_header*)v12;
		if (api >= ((1u << 22) | (3u << 12))) {
			vkt_v13_features* v13 = calloc(1, sizeof *v13); v13->sType = ST_V13_FEATURES;
			tail->pNext = v13; tail = (vkt_header*)v13;
		}
	} else {
		vkt_16bit_features* f16 = calloc(1, sizeof *f16); f16->sType = ST_16BIT;
		tail->pNext = f16; tail = (vkt_header*)f16;
	}
	if (hasCoopMat) {
		vkt_coopmat_features* cm = calloc(1, sizeof *cm); cm->sType = ST_COOPMAT_FEATURES;
		tail->pNext = cm; tail = (vkt_header*)cm;
	}
	if (hasCoopMatNV) {
		vkt_coopmat_features* nv = calloc(1, sizeof *nv); nv->sType = ST_COOPMAT_NV_FEATURES;
		tail->pNext = nv; tail = (vkt_header*)nv;
	}
	if (execProps) {
		vkt_exec_features* ep = calloc(1, sizeof *ep); ep->sType = ST_EXEC_FEATURES;
		tail->pNext = ep; tail = (vkt_header*)ep;
	}
	getFeat2(phys, f2);
	f2->f[F_ROBUST_BUFFER_ACCESS] = 0;
	for (vkt_header* h = (vkt_header*)f2->pNext; h; h = (vkt_header*)h->pNext) {
		if (h->sType == ST_V12_FEATURES) {
			((vkt_v12_features*)h)->f[V12_BDA_CAPTURE] = 0;
			((vkt_v12_features*)h)->f[V12_BDA_MULTIDEVICE] = 0;
		} else if (h->sType == ST_V13_FEATURES) {
			((vkt_v13_features*)h)->f[V13_ROBUST_IMAGE] = 0;
		} else if (h->sType == ST_COOPMAT_FEATURES || h->sType == ST_COOPMAT_NV_FEATURES) {
			((vkt_coopmat_features*)h)->f[COOP_ROBUST] = 0;
		}
	}
	return f2;
}

static void vkt_free_chain(void* p) {
	while (p) { void* next = ((vkt_header*)p)->pNext; free(p); p = next; }
}

// VkPipelineExecutablePropertiesKHR and VkPipelineExecutableStatisticKHR
// (VK_KHR_pipeline_executable_properties).
typedef struct {
	uint32_t sType; void* pNext; uint32_t stages; char name[256]; char description[256]; uint32_t subgroupSize;
} vkt_exec_props;
typedef struct {
	uint32_t sType; void* pNext; char name[256]; char description[256];
	uint32_t format; // 0 bool32, 1 int64, 2 uint64, 3 float64
	union { uint32_t b32; int64_t i64; uint64_t u64; double f64; } value;
} vkt_exec_stat;

#define VKT_MAX_EXECUTABLES 4
#define VKT_MAX_STATS 32

// vkt_pipeline_stats reads the executables of a pipeline created with
// VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR and up to VKT_MAX_STATS
// statistics of each into stats[e*VKT_MAX_STATS + i], their number into
// counts[e]. It returns a VkResult (-7, EXTENSION_NOT_PRESENT, when the
// entry points are missing).
static int32_t vkt_pipeline_stats(void* gipa, void* instance, void* device, uint64_t pipeline,
                                  uint32_t* nexec, vkt_exec_props* props, uint32_t* counts, vkt_exec_stat* stats) {
	vkt_gdpa_t gdpa = (vkt_gdpa_t)((vkt_gipa_t)gipa)(instance, "vkGetDeviceProcAddr");
	if (!gdpa) return -7;
	typedef int32_t (*props_t)(void*, const void*, uint32_t*, vkt_exec_props*);
	typedef int32_t (*stats_t)(void*, const void*, uint32_t*, vkt_exec_stat*);
	props_t getProps = (props_t)gdpa(device, "vkGetPipelineExecutablePropertiesKHR");
	stats_t getStats = (stats_t)gdpa(device, "vkGetPipelineExecutableStatisticsKHR");
	if (!getProps || !getStats) return -7;
	struct { uint32_t sType; const void* pNext; uint64_t pipeline; } pi = { ST_PIPELINE_INFO, NULL, pipeline };
	uint32_t n = VKT_MAX_EXECUTABLES;
	for (uint32_t i = 0; i < n; i++) { memset(&props[i], 0, sizeof props[i]); props[i].sType = ST_EXEC_PROPS; }
	int32_t res = getProps(device, &pi, &n, props);
	if (res < 0) return res;
	*nexec = n;
	for (uint32_t e = 0; e < n; e++) {
		struct { uint32_t sType; const void* pNext; uint64_t pipeline; uint32_t index; } ei = { ST_EXEC_INFO, NULL, pipeline, e };
		vkt_exec_stat* s = &stats[e * VKT_MAX_STATS];
		uint32_t m = VKT_MAX_STATS;
		for (uint32_t i = 0; i < m; i++) { memset(&s[i], 0, sizeof s[i]); s[i].sType = ST_EXEC_STAT; }
		res = getStats(device, &ei, &m, s);
		if (res < 0) return res;
		counts[e] = m;
	}
	return 0;
}

// vkt_required_subgroup_size returns a malloc'd
// VkPipelineShaderStageRequiredSubgroupSizeCreateInfo.
static void* vkt_required_subgroup_size(uint32_t size) {
	struct { uint32_t sType; void* pNext; uint32_t size; }* p = calloc(1, 24);
	p->sType = ST_SGSIZE_REQ; p->size = size;
	return p;
}

static int vkt_memory_budget(void* gipa, void* instance, void* phys, uint64_t* budget, uint64_t* usage) {
	typedef void (*fn_t)(void*, void*);
	fn_t getMem2 = (fn_t)((vkt_gipa_t)gipa)(instance, "vkGetPhysicalDeviceMemoryProperties2");
	if (!getMem2) return 0;
	vkt_memprops2 m; memset(&m, 0, sizeof m); m.sType = ST_MEMPROPS2;
	vkt_budget_props b; memset(&b, 0, sizeof b); b.sType = ST_BUDGET;
	m.pNext = &b;
	getMem2(phys, &m);
	memcpy(budget, b.budget, sizeof b.budget);
	memcpy(usage, b.usage, sizeof b.usage);
	return 1;
}

// ---- debug utils ----

typedef struct {
	uint32_t sType; const void* pNext; uint32_t flags;
	const char* pMessageIdName; int32_t messageIdNumber; const char* pMessage;
} vkt_debug_data;

typedef struct {
	uint32_t sType; const void* pNext; uint32_t flags;
	uint32_t severity, types;
	void* callback; void* user;
} vkt_messenger_info;

extern void vktDebugMessage(uint32_t severity, uint32_t types, char* id, char* msg, uintptr_t user);

static uint32_t vkt_debug_callback(uint32_t severity, uint32_t types, const vkt_debug_data* d, void* user) {
	vktDebugMessage(severity, types, (char*)(d ? d->pMessageIdName : 0), (char*)(d ? d->pMessage : 0), (uintptr_t)user);
	return 0; // VK_FALSE: never abort the call that triggered the message
}

// vkt_messenger_info_new returns a malloc'd VkDebugUtilsMessengerCreateInfoEXT
// for warnings and errors; it is also chained into VkInstanceCreateInfo so
// that instance creation and destruction are covered.
static void* vkt_messenger_info_new(uintptr_t user) {
	vkt_messenger_info* i = calloc(1, sizeof *i);
	i->sType = ST_DEBUG_MESSENGER;
	i->severity = 0x100 | 0x1000;      // WARNING | ERROR
	i->types = 0x1 | 0x2 | 0x4;        // GENERAL | VALIDATION | PERFORMANCE
	i->callback = (void*)vkt_debug_callback;
	i->user = (void*)user;
	return i;
}

// vkt_validation_features_new returns a malloc'd VkValidationFeaturesEXT
// (VK_EXT_validation_features) chained before next, which turns off the
// validation layer's on-disk shader validation cache: concurrent processes
// (parallel test binaries) share that file, and one reading it while another
// wrote it crashed inside vkCreateComputePipelines.
typedef struct {
	uint32_t sType; const void* pNext;
	uint32_t enabledCount; const uint32_t* pEnabled;
	uint32_t disabledCount; const uint32_t* pDisabled;
	uint32_t disabled[1];
} vkt_validation_features;

static void* vkt_validation_features_new(void* next) {
	vkt_validation_features* f = calloc(1, sizeof *f);
	f->sType = 1000247000; // VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT
	f->pNext = next;
	f->disabled[0] = 5;    // VK_VALIDATION_FEATURE_DISABLE_SHADER_VALIDATION_CACHE_EXT
	f->disabledCount = 1;
	f->pDisabled = f->disabled;
	return f;
}

static int32_t vkt_create_messenger(void* gipa, void* instance, void* info, uint64_t* out) {
	typedef int32_t (*fn_t)(void*, void*, void*, uint64_t*);
	fn_t f = (fn_t)((vkt_gipa_t)gipa)(instance, "vkCreateDebugUtilsMessengerEXT");
	if (!f) return -7; // VK_ERROR_EXTENSION_NOT_PRESENT
	return f(instance, info, NULL, out);
}

static void vkt_destroy_messenger(void* gipa, void* instance, uint64_t m) {
	typedef void (*fn_t)(void*, uint64_t, void*);
	fn_t f = (fn_t)((vkt_gipa_t)gipa)(instance, "vkDestroyDebugUtilsMessengerEXT");
	if (f) f(instance, m, NULL);
}

// ---- device-level entry points used while recording ----

typedef struct { uint64_t buffer, offset, range; } vkt_buffer_info;

typedef struct {
	uint32_t sType; const void* pNext; uint64_t dstSet;
	uint32_t dstBinding, dstArrayElement, descriptorCount, descriptorType;
	const void* pImageInfo; const vkt_buffer_info* pBufferInfo; const void* pTexelBufferView;
} vkt_write_set;

typedef struct {
	void* pushDescriptorSet;   // vkCmdPushDescriptorSetKHR, may be NULL
	void* updateDescriptorSets;
	void* allocateDescriptorSets;
	void* pipelineBarrier;
	void* bindDescriptorSets;
	void* copyBuffer;
	void* queueSubmit;
	void* beginCommandBuffer;
} vkt_device_fns;

static void* vkt_device_proc(void* gipa, void* instance, void* device, const char* name) {
	vkt_gdpa_t gdpa = (vkt_gdpa_t)((vkt_gipa_t)gipa)(instance, "vkGetDeviceProcAddr");
	return gdpa ? gdpa(device, name) : NULL;
}

#define VKT_MAX_BINDINGS 32

static void vkt_fill_writes(vkt_write_set* w, uint64_t set, uint32_t n, const vkt_buffer_info* infos) {
	for (uint32_t i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].sType = ST_WRITE_DESCRIPTOR_SET; w[i].dstSet = set; w[i].dstBinding = i;
		w[i].descriptorCount = 1; w[i].descriptorType = 7; // STORAGE_BUFFER
		w[i].pBufferInfo = &infos[i];
	}
}

static void vkt_push_descriptors(vkt_device_fns* fns, void* cmd, uint64_t layout, uint32_t n, const vkt_buffer_info* infos) {
	typedef void (*fn_t)(void*, uint32_t, uint64_t, uint32_t, uint32_t, const vkt_write_set*);
	vkt_write_set w[VKT_MAX_BINDINGS];
	vkt_fill_writes(w, 0, n, infos);
	((fn_t)fns->pushDescriptorSet)(cmd, 1, layout, 0, n, w);
}

// vkt_bind_set allocates a set from pool, writes the buffers and binds it
// to cmd. It returns the VkResult of the allocation so that the caller can
// add a pool when this one is exhausted.
static int32_t vkt_bind_set(vkt_device_fns* fns, void* device, void* cmd, uint64_t pool, uint64_t setLayout,
                            uint64_t pipeLayout, uint32_t n, const vkt_buffer_info* infos) {
	struct { uint32_t sType; const void* pNext; uint64_t pool; uint32_t count; const uint64_t* layouts; } ai;
	memset(&ai, 0, sizeof ai);
	ai.sType = ST_DESCRIPTOR_SET_ALLOC; ai.pool = pool; ai.count = 1; ai.layouts = &setLayout;
	uint64_t set = 0;
	typedef int32_t (*alloc_t)(void*, const void*, uint64_t*);
	int32_t res = ((alloc_t)fns->allocateDescriptorSets)(device, &ai, &set);
	if (res != 0) return res;
	vkt_write_set w[VKT_MAX_BINDINGS];
	vkt_fill_writes(w, set, n, infos);
	typedef void (*upd_t)(void*, uint32_t, const vkt_write_set*, uint32_t, const void*);
	((upd_t)fns->updateDescriptorSets)(device, n, w, 0, NULL);
	typedef void (*bind_t)(void*, uint32_t, uint64_t, uint32_t, uint32_t, const uint64_t*, uint32_t, const uint32_t*);
	((bind_t)fns->bindDescriptorSets)(cmd, 1, pipeLayout, 0, 1, &set, 0, NULL);
	return 0;
}

// vkt_queue_submit submits one command buffer with a fence. The
// VkSubmitInfo lives on the C stack: vulkan-go's own QueueSubmit frees its C
// copy of the submit infos from a finalizer that can run mid-call.
static int32_t vkt_queue_submit(vkt_device_fns* fns, void* queue, void* cmd, uint64_t fence) {
	struct {
		uint32_t sType; const void* pNext;
		uint32_t waitCount; const void* pWait; const void* pWaitStages;
		uint32_t cmdCount; void* const* pCmds;
		uint32_t signalCount; const void* pSignal;
	} si;
	memset(&si, 0, sizeof si);
	si.sType = 4; // VK_STRUCTURE_TYPE_SUBMIT_INFO
	si.cmdCount = 1;
	si.pCmds = &cmd;
	typedef int32_t (*fn_t)(void*, uint32_t, const void*, uint64_t);
	return ((fn_t)fns->queueSubmit)(queue, 1, &si, fence);
}

// vkt_begin begins recording cmd for one submit.
static int32_t vkt_begin(vkt_device_fns* fns, void* cmd) {
	struct { uint32_t sType; const void* pNext; uint32_t flags; const void* inherit; } bi =
		{ 42, NULL, 1, NULL }; // COMMAND_BUFFER_BEGIN_INFO, ONE_TIME_SUBMIT
	typedef int32_t (*fn_t)(void*, const void*);
	return ((fn_t)fns->beginCommandBuffer)(cmd, &bi);
}

static void vkt_copy(vkt_device_fns* fns, void* cmd, uint64_t src, uint64_t dst, uint64_t srcOff, uint64_t dstOff, uint64_t size) {
	uint64_t region[3] = { srcOff, dstOff, size }; // VkBufferCopy
	typedef void (*fn_t)(void*, uint64_t, uint64_t, uint32_t, const uint64_t*);
	((fn_t)fns->copyBuffer)(cmd, src, dst, 1, region);
}

// vkt_barrier records one global memory barrier; vendors recommend these
// over per-buffer barriers, and they cover every sub-allocated range.
// 46 = VK_STRUCTURE_TYPE_MEMORY_BARRIER; bind point 1 = COMPUTE.
static void vkt_barrier(vkt_device_fns* fns, void* cmd, uint32_t srcStage, uint32_t dstStage,
                        uint32_t srcAccess, uint32_t dstAccess) {
	struct { uint32_t sType; const void* pNext; uint32_t src, dst; } mb = { 46, NULL, srcAccess, dstAccess };
	typedef void (*fn_t)(void*, uint32_t, uint32_t, uint32_t, uint32_t, const void*, uint32_t, const void*, uint32_t, const void*);
	((fn_t)fns->pipelineBarrier)(cmd, srcStage, dstStage, 0, 1, &mb, 0, NULL, 0, NULL);
}
*/
import "C"

import (
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// extInfo is what vkt_query reports, in Go types.
type extInfo struct {
	subgroupSize, subgroupStages, subgroupOps uint32
	minSubgroup, maxSubgroup, sgsizeStages    uint32
	maxPushDescriptors                        uint32
	maxMemoryAllocationSize                   uint64
	storage16, storage8, float16, int8        bool
	int16, int64, float64                     bool
	subgroupSizeControl, fullSubgroups        bool
	coopMatrix                                bool
	coopMatrixNV                              bool
}

func queryExt(inst vk.Instance, phys vk.PhysicalDevice, api uint32, pushDesc, sgsizeExt, coopMat, coopMatNV bool) extInfo {
	var o C.vkt_devinfo
	C.vkt_query(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), C.uint32_t(api),
		cbool(pushDesc), cbool(sgsizeExt), cbool(coopMat), cbool(coopMatNV), &o)
	return extInfo{
		subgroupSize: uint32(o.subgroupSize), subgroupStages: uint32(o.subgroupStages), subgroupOps: uint32(o.subgroupOps),
		minSubgroup: uint32(o.minSubgroupSize), maxSubgroup: uint32(o.maxSubgroupSize), sgsizeStages: uint32(o.sgsizeStages),
		maxPushDescriptors:      uint32(o.maxPushDescriptors),
		maxMemoryAllocationSize: uint64(o.maxMemoryAllocationSize),
		storage16:               o.storage16 != 0, storage8: o.storage8 != 0, float16: o.float16 != 0, int8: o.int8 != 0,
		int16: o.int16 != 0, int64: o.int64 != 0, float64: o.float64 != 0,
		subgroupSizeControl: o.subgroupSizeControl != 0, fullSubgroups: o.fullSubgroups != 0,
		coopMatrix: o.coopMatrix != 0, coopMatrixNV: o.coopMatrixNV != 0,
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// featureChain returns a C-allocated pNext chain enabling the device's
// features, and its release function.
func featureChain(inst vk.Instance, phys vk.PhysicalDevice, api uint32, coopMat, coopMatNV, execProps bool) (unsafe.Pointer, func()) {
	p := C.vkt_feature_chain(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), C.uint32_t(api), cbool(coopMat), cbool(coopMatNV), cbool(execProps))
	return p, func() { C.vkt_free_chain(p) }
}

// requiredSubgroupSize returns a C-allocated
// VkPipelineShaderStageRequiredSubgroupSizeCreateInfo; release with C free.
func requiredSubgroupSize(size uint32) (unsafe.Pointer, func()) {
	p := C.vkt_required_subgroup_size(C.uint32_t(size))
	return p, func() { C.free(p) }
}

// executableStats reads a pipeline's executables and their statistics
// (VK_KHR_pipeline_executable_properties must be enabled and the pipeline
// created with the capture-statistics flag).
func executableStats(inst vk.Instance, dev vk.Device, pipe vk.Pipeline) ([]Executable, vk.Result) {
	var n C.uint32_t
	var props [C.VKT_MAX_EXECUTABLES]C.vkt_exec_props
	var counts [C.VKT_MAX_EXECUTABLES]C.uint32_t
	stats := (*[C.VKT_MAX_EXECUTABLES * C.VKT_MAX_STATS]C.vkt_exec_stat)(C.calloc(C.VKT_MAX_EXECUTABLES*C.VKT_MAX_STATS, C.size_t(unsafe.Sizeof(C.vkt_exec_stat{}))))
	defer C.free(unsafe.Pointer(stats))
	res := vk.Result(C.vkt_pipeline_stats(gipa, unsafe.Pointer(inst), unsafe.Pointer(dev), handle(unsafe.Pointer(pipe)),
		&n, &props[0], &counts[0], &stats[0]))
	if res != vk.Success {
		return nil, res
	}
	out := make([]Executable, n)
	for e := range out {
		p := &props[e]
		out[e] = Executable{
			Name:         C.GoString(&p.name[0]),
			Description:  C.GoString(&p.description[0]),
			SubgroupSize: uint32(p.subgroupSize),
		}
		for i := 0; i < int(counts[e]); i++ {
			s := &stats[e*C.VKT_MAX_STATS+i]
			st := Statistic{Name: C.GoString(&s.name[0]), Description: C.GoString(&s.description[0])}
			raw := unsafe.Pointer(&s.value)
			switch s.format {
			case 0:
				st.Value = float64(*(*uint32)(raw))
			case 1:
				st.Value = float64(*(*int64)(raw))
			case 2:
				st.Value = float64(*(*uint64)(raw))
			default:
				st.Value = *(*float64)(raw)
			}
			out[e].Statistics = append(out[e].Statistics, st)
		}
	}
	return out, vk.Success
}

// memoryBudget returns per-heap budget and usage (VK_EXT_memory_budget must
// be enabled on a device of this physical device).
func memoryBudget(inst vk.Instance, phys vk.PhysicalDevice) (budget, usage [16]uint64, ok bool) {
	var b, u [16]C.uint64_t
	if C.vkt_memory_budget(gipa, unsafe.Pointer(inst), unsafe.Pointer(phys), &b[0], &u[0]) == 0 {
		return budget, usage, false
	}
	for i := range b {
		budget[i], usage[i] = uint64(b[i]), uint64(u[i])
	}
	return budget, usage, true
}

// messengerInfo allocates a VkDebugUtilsMessengerCreateInfoEXT whose
// callback reports to the collector registered under handle.
func messengerInfo(handle uintptr) unsafe.Pointer {
	return C.vkt_messenger_info_new(C.uintptr_t(handle))
}

// validationFeatures allocates a VkValidationFeaturesEXT chained before
// next that disables the layer's shared on-disk shader validation cache.
func validationFeatures(next unsafe.Pointer) unsafe.Pointer {
	return C.vkt_validation_features_new(next)
}

func createMessenger(inst vk.Instance, info unsafe.Pointer) (uint64, vk.Result) {
	var m C.uint64_t
	r := C.vkt_create_messenger(gipa, unsafe.Pointer(inst), info, &m)
	return uint64(m), vk.Result(r)
}

func destroyMessenger(inst vk.Instance, m uint64) {
	C.vkt_destroy_messenger(gipa, unsafe.Pointer(inst), C.uint64_t(m))
}

func cfree(p unsafe.Pointer) { C.free(p) }

// deviceFns are device-level entry points called from our C helpers.
type deviceFns struct {
	c *C.vkt_device_fns // C memory: passed to C on every call
}

const maxBindings = C.VKT_MAX_BINDINGS

func loadDeviceFns(inst vk.Instance, dev vk.Device, pushDesc bool) (deviceFns, bool) {
	f := (*C.vkt_device_fns)(C.calloc(1, C.size_t(unsafe.Sizeof(C.vkt_device_fns{}))))
	get := func(name string) unsafe.Pointer {
		cn := C.CString(name)
		defer C.free(unsafe.Pointer(cn))
		return C.vkt_device_proc(gipa, unsafe.Pointer(inst), unsafe.Pointer(dev), cn)
	}
	if pushDesc {
		f.pushDescriptorSet = get("vkCmdPushDescriptorSetKHR")
	}
	f.updateDescriptorSets = get("vkUpdateDescriptorSets")
	f.allocateDescriptorSets = get("vkAllocateDescriptorSets")
	f.pipelineBarrier = get("vkCmdPipelineBarrier")
	f.bindDescriptorSets = get("vkCmdBindDescriptorSets")
	f.copyBuffer = get("vkCmdCopyBuffer")
	f.queueSubmit = get("vkQueueSubmit")
	f.beginCommandBuffer = get("vkBeginCommandBuffer")
	ok := f.updateDescriptorSets != nil && f.allocateDescriptorSets != nil && f.pipelineBarrier != nil &&
		f.bindDescriptorSets != nil && f.copyBuffer != nil && f.queueSubmit != nil && f.beginCommandBuffer != nil
	return deviceFns{c: f}, ok
}

func (f deviceFns) release() {
	if f.c != nil {
		C.free(unsafe.Pointer(f.c))
	}
}

func (f deviceFns) hasPushDescriptors() bool { return f.c.pushDescriptorSet != nil }

// bufferInfo mirrors VkDescriptorBufferInfo.
type bufferInfo = C.vkt_buffer_info

func makeBufferInfo(buf vk.Buffer, offset, size uint64) bufferInfo {
	return bufferInfo{buffer: handle(unsafe.Pointer(buf)), offset: C.uint64_t(offset), _range: C.uint64_t(size)}
}

func (f deviceFns) pushDescriptors(cmd vk.CommandBuffer, layout vk.PipelineLayout, infos []bufferInfo) {
	C.vkt_push_descriptors(f.c, unsafe.Pointer(cmd), handle(unsafe.Pointer(layout)),
		C.uint32_t(len(infos)), &infos[0])
}

// bindSet allocates a descriptor set from pool, writes infos into it and
// binds it; a non-success result (pool exhausted) records nothing.
func (f deviceFns) bindSet(dev vk.Device, cmd vk.CommandBuffer, pool vk.DescriptorPool, setLayout vk.DescriptorSetLayout, layout vk.PipelineLayout, infos []bufferInfo) vk.Result {
	return vk.Result(C.vkt_bind_set(f.c, unsafe.Pointer(dev), unsafe.Pointer(cmd), handle(unsafe.Pointer(pool)),
		handle(unsafe.Pointer(setLayout)), handle(unsafe.Pointer(layout)), C.uint32_t(len(infos)), &infos[0]))
}

// submit submits cmd to queue, signalling fence when it completes.
func (f deviceFns) submit(queue vk.Queue, cmd vk.CommandBuffer, fence vk.Fence) vk.Result {
	return vk.Result(C.vkt_queue_submit(f.c, unsafe.Pointer(queue), unsafe.Pointer(cmd), handle(unsafe.Pointer(fence))))
}

// begin begins recording cmd for a single submit.
func (f deviceFns) begin(cmd vk.CommandBuffer) vk.Result {
	return vk.Result(C.vkt_begin(f.c, unsafe.Pointer(cmd)))
}

func (f deviceFns) copy(cmd vk.CommandBuffer, src, dst vk.Buffer, srcOff, dstOff, size uint64) {
	C.vkt_copy(f.c, unsafe.Pointer(cmd), handle(unsafe.Pointer(src)), handle(unsafe.Pointer(dst)),
		C.uint64_t(srcOff), C.uint64_t(dstOff), C.uint64_t(size))
}

// handle converts a non-dispatchable handle (a pointer type in vulkan-go on
// 64-bit platforms) to the uint64_t our C declarations use.
func handle(p unsafe.Pointer) C.uint64_t { return C.uint64_t(uintptr(p)) }

func (f deviceFns) barrier(cmd vk.CommandBuffer, srcStage, dstStage, srcAccess, dstAccess uint32) {
	C.vkt_barrier(f.c, unsafe.Pointer(cmd), C.uint32_t(srcStage), C.uint32_t(dstStage), C.uint32_t(srcAccess), C.uint32_t(dstAccess))
}

func cmalloc(n int) unsafe.Pointer { return C.malloc(C.size_t(max(n, 1))) }
