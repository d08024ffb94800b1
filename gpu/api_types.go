package gpu

import (
	"fmt"
	"time"
)

// DeviceType classifies a physical device.
type DeviceType int

// Device types, mirroring VkPhysicalDeviceType.
const (
	DeviceOther      DeviceType = 0
	DeviceIntegrated DeviceType = 1
	DeviceDiscrete   DeviceType = 2
	DeviceVirtual    DeviceType = 3
	DeviceCPU        DeviceType = 4
)

// String returns "discrete", "integrated", "virtual", "cpu" or "other".
func (t DeviceType) String() string {
	switch t {
	case DeviceIntegrated:
		return "integrated"
	case DeviceDiscrete:
		return "discrete"
	case DeviceVirtual:
		return "virtual"
	case DeviceCPU:
		return "cpu"
	}
	return "other"
}

// DeviceInfo describes a physical device and the limits that matter for
// compute work.
type DeviceInfo struct {
	Index      int        // position in vkEnumeratePhysicalDevices order
	Name       string     // deviceName, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
	Type       DeviceType // discrete, integrated, virtual, cpu, other
	VendorID   uint32
	DeviceID   uint32
	Vendor     string // vendor name derived from VendorID ("NVIDIA", "AMD", "Mesa", ...)
	APIVersion uint32 // packed Vulkan version supported by the device
	Driver     uint32 // driverVersion, vendor specific encoding
	// CacheUUID is pipelineCacheUUID: it changes when the driver's compiled
	// pipeline format changes, so it keys the on-disk pipeline cache.
	CacheUUID [16]byte

	MaxComputeSharedMemorySize     uint32
	MaxComputeWorkGroupInvocations uint32
	MaxComputeWorkGroupSize        [3]uint32
	MaxComputeWorkGroupCount       [3]uint32
	MaxPushConstantsSize           uint32
	MaxStorageBufferRange          uint64
	MaxMemoryAllocationSize        uint64 // maintenance3 limit; 0 if unknown
	MinStorageBufferOffsetAlign    uint64
	DeviceLocalBytes               uint64 // size of the largest device-local heap

	SubgroupSize        uint32 // default subgroup size (1.1 subgroup properties)
	MinSubgroupSize     uint32 // with subgroup size control, else = SubgroupSize
	MaxSubgroupSize     uint32 // with subgroup size control, else = SubgroupSize
	SubgroupSizeControl bool   // a pipeline may require a subgroup size
	SubgroupArithmetic  bool   // subgroupAdd etc. in compute shaders

	TimestampPeriod     float32 // nanoseconds per timestamp tick
	TimestampsSupported bool    // compute queue has timestampValidBits > 0

	PushDescriptors   bool // VK_KHR_push_descriptor
	CooperativeMatrix bool // VK_KHR_cooperative_matrix with the feature on
	// CooperativeMatrixNV: VK_NV_cooperative_matrix with the feature on
	// (16×16×16 float16 products with float32 sums on NVIDIA).
	CooperativeMatrixNV bool
	MemoryBudget        bool // VK_EXT_memory_budget
	// PipelineStatistics: VK_KHR_pipeline_executable_properties, so that
	// Options.PipelineStatistics can report registers and the like.
	PipelineStatistics bool

	Float16         bool // shaderFloat16
	Int8            bool // shaderInt8
	Int16           bool // shaderInt16
	Int64           bool // shaderInt64
	Float64         bool // shaderFloat64
	Storage16Bit    bool // storageBuffer16BitAccess
	Storage8Bit     bool // storageBuffer8BitAccess
	HostVisibleVRAM bool // a DEVICE_LOCAL|HOST_VISIBLE|HOST_COHERENT type backs a large heap

	Extensions []string // device extension names
}

// VersionString formats a packed Vulkan version as "major.minor.patch".
func VersionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22, (v>>12)&0x3ff, v&0xfff)
}

// String is a one-line summary: index, name, type, vendor and API version.
func (i DeviceInfo) String() string {
	return fmt.Sprintf("#%d %s (%s, %s, Vulkan %s)", i.Index, i.Name, i.Type, i.Vendor, VersionString(i.APIVersion))
}

// Options configure Open. The zero value picks the best GPU automatically.
type Options struct {
	// Select picks a device by index ("1") or case-insensitive name
	// substring ("nvidia"). Empty means the VKT_DEVICE environment variable,
	// and if that is empty too, automatic choice. A device named explicitly
	// here or in VKT_DEVICE is used even if it is a CPU implementation.
	Select string
	// AllowCPU lets the automatic choice fall back to a CPU implementation
	// (lavapipe, SwiftShader). Off by default so that a machine without a
	// GPU reports ErrNoDevice instead of silently running slowly.
	AllowCPU bool
	// Validate enables VK_LAYER_KHRONOS_validation and VK_EXT_debug_utils;
	// also switched on by VKT_VALIDATE=1. Warnings and errors are collected
	// (see Device.ValidationMessages) and passed to OnValidation.
	Validate bool
	// OnValidation, if set, is called with every validation warning or error
	// (possibly from a driver thread; it must be safe for concurrent use).
	OnValidation func(msg string)
	// Profile writes timestamps around each dispatch and accumulates GPU
	// time per kernel name; also switched on by VKT_PROFILE=1, which also
	// prints the profile to stderr at Close.
	Profile bool
	// PipelineStatistics asks the driver to keep statistics of every
	// compiled pipeline (on NVIDIA: registers per invocation, shared memory,
	// binary size) for Pipeline.Statistics, where the device has
	// VK_KHR_pipeline_executable_properties; also switched on by
	// VKT_PIPELINE_STATS=1, which also prints them to stderr at Close.
	PipelineStatistics bool
	// SpinWait is how long a wait for the GPU polls before it sleeps in
	// vkWaitForFences: a short batch completes sooner than a sleeping
	// thread wakes up (lavapipe, a 16-element add with a sync after each:
	// 73 µs per op without polling, 46 µs with). 0 means 1 ms, a negative
	// value never polls; VKT_SPIN (a Go duration, "0" to turn it off)
	// overrides it.
	SpinWait time.Duration
	// MaxBatch is the number of commands after which the current batch is
	// submitted automatically. 0 means 1024.
	MaxBatch int
	// BlockSize is the size of each memory block requested from the driver.
	// 0 picks 64 MiB or 256 MiB depending on the heap size.
	BlockSize int64
	// NoPushDescriptors forces the descriptor-pool path even when the
	// device supports VK_KHR_push_descriptor (useful for testing).
	NoPushDescriptors bool
	// NoPipelineCache disables loading and saving the on-disk pipeline cache.
	NoPipelineCache bool
	// InstanceExtensions and DeviceExtensions are enabled on top of what
	// the runtime needs, e.g. the window-system surface extensions and
	// VK_KHR_swapchain for presenting frames (see Device.NewPresenter). Open
	// fails with ErrNoDevice when one is not available.
	InstanceExtensions []string
	DeviceExtensions   []string
}

// MemoryStats reports the device allocator's state.
type MemoryStats struct {
	InUse      int64 // bytes in live buffers (rounded to their size class)
	PeakInUse  int64 // highest InUse since Open
	Pending    int64 // bytes of freed buffers whose batch has not retired yet
	Cached     int64 // bytes reserved for reuse: Reserved - InUse - Pending
	Reclaims   int64 // batches allocations submitted, retired or waited for to reuse Pending memory
	Reserved   int64 // bytes obtained from vkAllocateMemory for buffers
	Staging    int64 // bytes reserved for staging buffers
	Buffers    int   // live buffers
	Blocks     int   // memory blocks (vkAllocateMemory calls alive)
	HeapSize   int64 // size of the heap buffers live in
	HeapBudget int64 // VK_EXT_memory_budget budget for that heap, else HeapSize
	HeapUsage  int64 // VK_EXT_memory_budget usage of that heap (whole process), else Reserved
}

// Stats are counters useful to tests and benchmarks.
type Stats struct {
	Dispatches     int64 // Dispatch calls recorded
	Copies         int64 // CopyBuffer/FillBuffer/staged uploads recorded
	Barriers       int64 // hazard barriers inserted
	Submits        int64 // vkQueueSubmit calls
	Waits          int64 // host waits on fences
	PipelineBuilds int64 // pipelines compiled by the driver
	PipelineHits   int64 // Pipeline calls answered from the in-memory cache
}

// Executable is one compiled program of a pipeline (a compute pipeline
// usually has one), as the driver describes it.
type Executable struct {
	Name, Description string
	SubgroupSize      uint32
	Statistics        []Statistic
}

// Statistic is a driver-defined figure about an Executable, such as
// NVIDIA's "Register Count". Booleans are 0 or 1.
type Statistic struct {
	Name, Description string
	Value             float64
}

// KernelTime is the accumulated GPU time of one kernel name.
type KernelTime struct {
	Name  string
	Count int
	Total time.Duration
}

// Access says how a command uses a buffer range; it decides which barriers
// are needed. The zero value is ReadWrite, the conservative choice.
type Access uint8

// Access modes.
const (
	ReadWrite Access = iota // read and written
	Read                    // only read
	Write                   // only written (old contents are not needed)
)

// String returns "read", "write" or "readwrite".
func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	}
	return "readwrite"
}

// BufferRange is a byte range of a Buffer plus how a command accesses it.
// Size 0 means "to the end of the buffer".
type BufferRange struct {
	Buffer *Buffer
	Offset int
	Size   int
	Access Access
}

// PipelineDesc describes a compute pipeline.
type PipelineDesc struct {
	// Name identifies the shader in errors and is the default kernel name
	// for profiling.
	Name string
	// SPIRV is the shader binary (little-endian words). Code may be given
	// instead; exactly one must be set.
	SPIRV []byte
	Code  []uint32
	// Entry is the entry point; "" means "main".
	Entry string
	// Spec holds specialization constants with constant_id 0..len-1, each
	// 32 bits (use math.Float32bits for floats, 1/0 for bools).
	Spec []uint32
	// Bindings is the number of storage buffers, bound at set 0, bindings
	// 0..Bindings-1 in the order given to Dispatch.
	Bindings int
	// PushBytes is the size of the push-constant block (multiple of 4).
	PushBytes int
	// SubgroupSize, if non-zero, requires this subgroup size (needs
	// DeviceInfo.SubgroupSizeControl and a size in [Min,Max]SubgroupSize).
	SubgroupSize uint32
	// FullSubgroups requires full subgroups (workgroup size multiple of the
	// subgroup size); needs subgroup size control.
	FullSubgroups bool
}

// Groups returns the number of workgroups of size local needed to cover n
// items: ceil(n/local), at least 1.
func Groups(n, local int) uint32 {
	if n <= 0 {
		return 1
	}
	return uint32((n + local - 1) / local)
}
