// Package gpu is a small Vulkan compute runtime. It knows nothing about
// tensors: it owns a device, hands out storage buffers, builds compute
// pipelines from SPIR-V and records dispatches into batched command buffers.
//
// # Model
//
// Device: [Open] picks one physical device (discrete > integrated > virtual;
// a CPU implementation such as lavapipe only when asked for), creates one
// compute queue and everything else hangs off the returned *[Device]. A
// Device is safe for concurrent use, but work is recorded in call order into
// a single queue, so it is meant to be driven by one goroutine at a time.
// [Devices] lists what is available without opening anything.
//
// Buffers: [Device.Alloc] returns a *[Buffer], a range inside a large
// VkBuffer that is sub-allocated from big memory blocks (64 or 256 MiB per
// vkAllocateMemory, never one per buffer; buffers larger than a block get a
// block of their own). Sizes are rounded to size classes and freed ranges
// go to per-class free lists for reuse. A single buffer may not exceed
// maxStorageBufferRange ([ErrTooLarge]). Storage memory is
// DEVICE_LOCAL|HOST_VISIBLE|HOST_COHERENT when such a type backs the main
// heap (integrated GPUs, lavapipe, resizable BAR), else DEVICE_LOCAL with
// pooled host-visible staging buffers.
//
// Memory policy: a buffer freed while recorded or submitted work uses it
// is Pending until that batch retires; then its range is reusable
// ([MemoryStats] reports InUse, PeakInUse, Pending and the Cached rest of
// Reserved). An allocation that finds no reusable range adds a block while
// Reserved stays within the soft limit of twice the demand plus one block
// (demand: the highest InUse over the last 32 to 64 retired batches, or
// what is live with the new buffer if that is more). At that limit, or
// when the heap or the driver refuses a block, it makes room one step at a
// time and tries again after each: it gives the free lists back to their
// blocks, coalesced, and empty blocks back to the driver; then it submits
// the batch being recorded (an allocation may so split a batch, as
// Options.MaxBatch does), retires finished batches and waits for the
// oldest one in flight, until nothing is pending. Only then does it grow
// beyond the soft limit, and only when the heap has no room or the driver
// refuses the block does it return [ErrOutOfMemory]. When a batch retires
// and Reserved exceeds the limit, the free lists are trimmed the same way,
// keeping one empty block in reserve. A loop that frees what it allocates
// thus keeps Reserved within 2× its peak InUse plus one block, however
// long its batches, at the cost of a wait when freed memory outgrows live
// memory; long-lived buffers scattered over many blocks can still hold
// more (buffers are never moved). [Device.Trim] gives every unused block
// back at once.
//
// Transfers: [Device.Upload] into a buffer that no pending work touches is a
// plain memcpy when the memory is mappable. Otherwise it is recorded into
// the batch (vkCmdUpdateBuffer for small aligned data, else a staging copy),
// so uploads always take effect in program order. [Device.Download] waits
// only for the work that writes the buffer, then copies out (directly, or
// through cached staging memory on discrete GPUs where reading mapped VRAM
// is slow).
//
// Pipelines: [Device.Pipeline] turns SPIR-V, specialization constants, a
// number of storage-buffer bindings and a push-constant size into a
// *[Pipeline]. Pipelines are cached per device by (code, entry point,
// constants, layout), and the driver's VkPipelineCache is persisted in
// os.UserCacheDir()/vktensor between runs.
//
// Batch recording and barriers: [Device.Dispatch], [Device.CopyBuffer] and
// [Device.FillBuffer] do not execute anything; they append commands to the
// device's current command buffer (the batch). Every command declares for
// each [BufferRange] whether it reads, writes or both. The recorder remembers
// which byte ranges the batch has read and written since the last barrier and
// inserts a pipeline barrier only when the new command has a real hazard
// with an earlier one: read-after-write, write-after-write or
// write-after-read. Independent commands therefore run back to back.
//
// Descriptors are pushed with vkCmdPushDescriptorSetKHR when the device has
// VK_KHR_push_descriptor; otherwise sets come from descriptor pools owned by
// each batch and reset when its fence signals.
//
// Sync points: a batch is submitted when [Device.Flush] or [Device.Sync] is
// called, when [Device.Download] needs data the batch produces, or when the
// batch reaches Options.MaxBatch commands. Flush submits without waiting;
// Sync submits and waits for everything. Up to three batches are in flight;
// each starts with one global barrier so it is ordered after the previous
// ones, and ends with a barrier that makes its writes visible to the host. A [Buffer.Free] of a buffer still
// used by submitted or recorded work is deferred until that work's fence
// signals, so callers may free as soon as they have recorded the last use.
//
// Errors: failures to load Vulkan or find a device are returned as typed
// errors ([ErrNoLoader], [ErrNoDevice], *[LoadError]); nothing panics or
// exits. Runtime faults (VK_ERROR_DEVICE_LOST and friends) become a sticky
// *[VkError] returned by Sync, Download and every later call.
//
// Diagnostics: Options.Validate (or VKT_VALIDATE=1) enables the Khronos
// validation layer and collects its warnings and errors
// ([Device.ValidationMessages]). Options.Profile (or VKT_PROFILE=1) brackets
// every dispatch with timestamps and accumulates GPU time per kernel name
// ([Device.Profile], [Device.PrintProfile]); [Device.TimeGPU] times a region.
// Options.PipelineStatistics (or VKT_PIPELINE_STATS=1) keeps the driver's
// statistics of each compiled pipeline, such as registers per invocation
// ([Pipeline.Statistics]), where the device has
// VK_KHR_pipeline_executable_properties.
//
// Waiting: a wait for the GPU polls the fence for up to Options.SpinWait
// (1 ms by default) before it sleeps, which shortens a sync after short work.
//
// Presenting: [Device.NewPresenter] takes a window's VkSurfaceKHR (made on
// [Device.VkInstance] by a window library) and shows frames that a compute
// dispatch drew into a Buffer ([Presenter.Present]: a buffer-to-image copy
// into the next swapchain image, queued after the work recorded so far).
//
// The binding: github.com/vulkan-go/vulkan provides the types and the calls
// that take only handles, scalars and flat structs. Every call that passes
// arrays, strings or pNext chains (instance and device creation, the
// enumerations, layouts, pipelines, descriptor pools and writes, barriers,
// copies, submits, the swapchain and present) goes through this package's
// C helpers, which build the structs in C memory owned by the call:
// vulkan-go's own copies are freed by finalizers that may run mid-call.
//
// Platforms: the loader is libvulkan.so.1 on Linux, vulkan-1.dll on
// Windows, and libvulkan.1.dylib, else libMoltenVK.dylib, on macOS, where
// instances enumerate portability drivers and devices get
// VK_KHR_portability_subset when they list it. A program built without
// cgo (CGO_ENABLED=0) still compiles; Open and Devices then return an error
// wrapping [ErrNoLoader] that says so, as on a machine without Vulkan.
//
// Environment: VKT_VULKAN_LIB names the loader library to use instead;
// VKT_DEVICE selects a device by index or name substring (and
// allows a CPU device it names), VKT_VALIDATE=1, VKT_PROFILE=1 and
// VKT_PIPELINE_STATS=1 switch on validation, profiling and pipeline
// statistics (the last two print at Close), VKT_SPIN sets the polling time
// (a Go duration, 0 to sleep at once).
package gpu
