//go:build cgo

package gpu

import (
	"errors"
	"fmt"
	"os"
	"runtime/cgo"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Device is an opened Vulkan device with one compute queue, a memory
// allocator, a pipeline cache and the current command batch. Its methods
// are safe for concurrent use (they serialise on one mutex).
type Device struct {
	mu   sync.Mutex
	opts Options
	info DeviceInfo

	inst      vk.Instance
	phys      vk.PhysicalDevice
	dev       vk.Device
	queue     vk.Queue
	family    uint32
	tsBits    uint32
	fns       deviceFns
	pushDesc  bool
	hasBudget bool
	execStats bool          // pipelines capture executable statistics
	spin      time.Duration // Options.SpinWait resolved
	memProps  vk.PhysicalDeviceMemoryProperties

	validate  bool
	col       *collector
	colHandle cgo.Handle
	messenger uint64
	msgInfo   unsafe.Pointer

	mem     *allocator // storage buffers
	staging *allocator // host-visible staging; == mem when mem is directly readable
	freeq   []*Buffer  // frees deferred until their last use completes
	// reclaimed is rec.done at the last scan of freeq
	reclaimed uint64

	rec recorder

	pipelines  map[pipelineKey]*Pipeline
	layouts    map[[2]int]*layout
	pcache     vk.PipelineCache
	cachePath  string
	cacheDirty bool

	profiling bool
	prof      map[string]*KernelTime
	timePool  vk.QueryPool

	stats  Stats
	err    error // sticky fault
	closed bool
}

// vkErr converts a VkResult into an error (nil for VK_SUCCESS).
func vkErr(op string, r vk.Result) error {
	if r == vk.Success {
		return nil
	}
	return &VkError{Op: op, Result: int32(r)}
}

func envBool(name string) bool {
	v := os.Getenv(name)
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// physical is one enumerated physical device with what we derived from it.
type physical struct {
	handle vk.PhysicalDevice
	info   DeviceInfo
	exts   map[string]bool
	ext    extInfo
}

func newInstance(validate bool, col *collector, extra []string) (inst vk.Instance, h cgo.Handle, msgInfo unsafe.Pointer, err error) {
	names, err := instanceExtensions("")
	if err != nil {
		return nil, 0, nil, err
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	var exts, layers []string
	var flags uint32
	if have["VK_KHR_portability_enumeration"] {
		// MoltenVK and other non-conformant drivers are only listed with it.
		exts = append(exts, "VK_KHR_portability_enumeration")
		flags |= 1 // VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
	}
	for _, e := range extra {
		if !have[e] {
			return nil, 0, nil, fmt.Errorf("%w: instance extension %s is not available", ErrNoDevice, e)
		}
		exts = append(exts, e)
	}
	var next unsafe.Pointer
	if validate {
		lp, err := instanceLayers()
		if err != nil {
			return nil, 0, nil, err
		}
		if !slices.Contains(lp, "VK_LAYER_KHRONOS_validation") {
			return nil, 0, nil, errors.New("gpu: validation requested but VK_LAYER_KHRONOS_validation is not installed")
		}
		if !have["VK_EXT_debug_utils"] {
			return nil, 0, nil, errors.New("gpu: validation requested but VK_EXT_debug_utils is not available")
		}
		layers = append(layers, "VK_LAYER_KHRONOS_validation")
		exts = append(exts, "VK_EXT_debug_utils")
		h = cgo.NewHandle(col)
		msgInfo = messengerInfo(uintptr(h))
		next = msgInfo // also report messages from vkCreate/DestroyInstance
		if le, _ := instanceExtensions("VK_LAYER_KHRONOS_validation"); slices.Contains(le, "VK_EXT_validation_features") {
			exts = append(exts, "VK_EXT_validation_features")
			next = validationFeatures(msgInfo)
			defer cfree(next)
		}
	}
	api := instanceVersion()
	if api > vk.MakeVersion(1, 3, 0) {
		api = vk.MakeVersion(1, 3, 0)
	}
	inst, r := createInstance(next, flags, api, layers, exts)
	if r != vk.Success {
		if msgInfo != nil {
			cfree(msgInfo)
			h.Delete()
		}
		err = vkErr("vkCreateInstance", r)
		if r == vk.ErrorIncompatibleDriver {
			err = fmt.Errorf("%w: %w", ErrNoDevice, err)
		}
		return nil, 0, nil, err
	}
	vk.InitInstance(inst)
	return inst, h, msgInfo, nil
}

func vendorName(id uint32) string {
	switch id {
	case 0x10de:
		return "NVIDIA"
	case 0x1002, 0x1022:
		return "AMD"
	case 0x8086:
		return "Intel"
	case 0x13b5:
		return "ARM"
	case 0x5143:
		return "Qualcomm"
	case 0x106b:
		return "Apple"
	case 0x1010:
		return "ImgTec"
	case 0x10005:
		return "Mesa"
	}
	return fmt.Sprintf("0x%04x", id)
}

func enumerate(inst vk.Instance) ([]physical, error) {
	var n uint32
	if r := vk.EnumeratePhysicalDevices(inst, &n, nil); r != vk.Success {
		return nil, vkErr("vkEnumeratePhysicalDevices", r)
	}
	hs := make([]vk.PhysicalDevice, n)
	if n > 0 {
		if r := vk.EnumeratePhysicalDevices(inst, &n, hs); r != vk.Success && r != vk.Incomplete {
			return nil, vkErr("vkEnumeratePhysicalDevices", r)
		}
	}
	out := make([]physical, 0, n)
	for i, h := range hs[:n] {
		out = append(out, describe(inst, i, h))
	}
	return out, nil
}

func describe(inst vk.Instance, index int, h vk.PhysicalDevice) physical {
	var p vk.PhysicalDeviceProperties
	vk.GetPhysicalDeviceProperties(h, &p)
	p.Deref()
	p.Limits.Deref()
	l := p.Limits

	names, _ := deviceExtensions(inst, h) // a failed listing leaves the device without extensions
	exts := map[string]bool{}
	for _, name := range names {
		exts[name] = true
	}

	info := DeviceInfo{
		Index:                          index,
		Name:                           vk.ToString(p.DeviceName[:]),
		Type:                           DeviceType(p.DeviceType),
		VendorID:                       p.VendorID,
		DeviceID:                       p.DeviceID,
		Vendor:                         vendorName(p.VendorID),
		APIVersion:                     p.ApiVersion,
		Driver:                         p.DriverVersion,
		CacheUUID:                      p.PipelineCacheUUID,
		MaxComputeSharedMemorySize:     l.MaxComputeSharedMemorySize,
		MaxComputeWorkGroupInvocations: l.MaxComputeWorkGroupInvocations,
		MaxComputeWorkGroupSize:        l.MaxComputeWorkGroupSize,
		MaxComputeWorkGroupCount:       l.MaxComputeWorkGroupCount,
		MaxPushConstantsSize:           l.MaxPushConstantsSize,
		MaxStorageBufferRange:          uint64(l.MaxStorageBufferRange),
		MinStorageBufferOffsetAlign:    uint64(l.MinStorageBufferOffsetAlignment),
		TimestampPeriod:                l.TimestampPeriod,
		PushDescriptors:                exts["VK_KHR_push_descriptor"],
		MemoryBudget:                   exts["VK_EXT_memory_budget"],
		PipelineStatistics:             exts["VK_KHR_pipeline_executable_properties"],
		Extensions:                     names,
	}
	if info.Vendor == "Mesa" || strings.Contains(info.Name, "llvmpipe") {
		info.Vendor = "Mesa"
	}
	ext := queryExt(inst, h, p.ApiVersion, info.PushDescriptors, exts["VK_EXT_subgroup_size_control"], exts["VK_KHR_cooperative_matrix"], exts["VK_NV_cooperative_matrix"])
	info.MaxMemoryAllocationSize = ext.maxMemoryAllocationSize
	info.SubgroupSize = ext.subgroupSize
	info.MinSubgroupSize, info.MaxSubgroupSize = ext.minSubgroup, ext.maxSubgroup
	if info.MinSubgroupSize == 0 {
		info.MinSubgroupSize, info.MaxSubgroupSize = ext.subgroupSize, ext.subgroupSize
	}
	info.SubgroupSizeControl = ext.subgroupSizeControl && ext.sgsizeStages&uint32(vk.ShaderStageComputeBit) != 0
	info.SubgroupArithmetic = ext.subgroupStages&uint32(vk.ShaderStageComputeBit) != 0 &&
		ext.subgroupOps&uint32(vk.SubgroupFeatureArithmeticBit) != 0
	info.CooperativeMatrix = ext.coopMatrix
	info.CooperativeMatrixNV = ext.coopMatrixNV
	info.Float16, info.Int8, info.Int16, info.Int64, info.Float64 = ext.float16, ext.int8, ext.int16, ext.int64, ext.float64
	info.Storage16Bit, info.Storage8Bit = ext.storage16, ext.storage8

	mp := memoryProperties(inst, h)
	for i := uint32(0); i < mp.MemoryHeapCount; i++ {
		hp := mp.MemoryHeaps[i]
		if hp.Flags&vk.MemoryHeapFlags(vk.MemoryHeapDeviceLocalBit) != 0 && uint64(hp.Size) > info.DeviceLocalBytes {
			info.DeviceLocalBytes = uint64(hp.Size)
		}
	}
	if ti, ok := pickMemoryType(&mp, false); ok && mp.MemoryTypes[ti].PropertyFlags&hostFlags == hostFlags {
		info.HostVisibleVRAM = true
	}

	for _, q := range queueFamilies(inst, h) {
		if q.flags&uint32(vk.QueueComputeBit) != 0 {
			info.TimestampsSupported = q.timestampBits > 0 && l.TimestampPeriod > 0
			break
		}
	}
	return physical{handle: h, info: info, exts: exts, ext: ext}
}

// Devices lists the physical devices visible through the Vulkan loader,
// including CPU implementations. It returns an error wrapping ErrNoLoader
// when Vulkan is not installed.
func Devices() ([]DeviceInfo, error) {
	if err := loadVulkan(); err != nil {
		return nil, err
	}
	instanceMu.Lock()
	inst, _, _, err := newInstance(false, nil, nil)
	instanceMu.Unlock()
	if err != nil {
		return nil, err
	}
	defer vk.DestroyInstance(inst, nil)
	phys, err := enumerate(inst)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, len(phys))
	for i := range phys {
		out[i] = phys[i].info
	}
	return out, nil
}

// choose implements Options.Select / VKT_DEVICE / automatic selection.
func choose(phys []physical, sel string, allowCPU bool) (*physical, error) {
	var names []string
	for _, p := range phys {
		names = append(names, p.info.String())
	}
	avail := "none"
	if len(names) > 0 {
		avail = strings.Join(names, "; ")
	}
	if sel != "" {
		if i, err := strconv.Atoi(sel); err == nil {
			if i >= 0 && i < len(phys) {
				return &phys[i], nil
			}
			return nil, fmt.Errorf("%w: no device with index %d (available: %s)", ErrNoDevice, i, avail)
		}
		for i := range phys {
			if strings.Contains(strings.ToLower(phys[i].info.Name), strings.ToLower(sel)) {
				return &phys[i], nil
			}
		}
		return nil, fmt.Errorf("%w: no device matches %q (available: %s)", ErrNoDevice, sel, avail)
	}
	rank := map[DeviceType]int{DeviceDiscrete: 4, DeviceIntegrated: 3, DeviceVirtual: 2, DeviceOther: 1}
	if allowCPU {
		rank[DeviceCPU] = 1
	}
	var best *physical
	for i := range phys {
		p := &phys[i]
		if rank[p.info.Type] == 0 {
			continue
		}
		if best == nil || rank[p.info.Type] > rank[best.info.Type] ||
			rank[p.info.Type] == rank[best.info.Type] && p.info.DeviceLocalBytes > best.info.DeviceLocalBytes {
			best = p
		}
	}
	if best == nil {
		hint := ""
		if !allowCPU {
			hint = "; CPU implementations are skipped unless Options.AllowCPU is set or VKT_DEVICE names one"
		}
		return nil, fmt.Errorf("%w (available: %s%s)", ErrNoDevice, avail, hint)
	}
	return best, nil
}

// Open selects and opens a device; see Options for the selection rules.
// Errors wrap ErrNoLoader (no Vulkan), ErrNoDevice (nothing suitable) or
// are a *VkError from device creation.
func Open(opts Options) (*Device, error) {
	if err := loadVulkan(); err != nil {
		return nil, err
	}
	d := &Device{opts: opts, col: &collector{cb: opts.OnValidation}}
	d.validate = opts.Validate || envBool("VKT_VALIDATE")
	d.spin = opts.SpinWait
	if v, err := time.ParseDuration(os.Getenv("VKT_SPIN")); err == nil {
		d.spin = v
	} else if d.spin == 0 {
		d.spin = time.Millisecond
	}
	d.profiling = opts.Profile || envBool("VKT_PROFILE")
	if d.opts.MaxBatch <= 0 {
		d.opts.MaxBatch = 1024
	}
	instanceMu.Lock()
	inst, h, msgInfo, err := newInstance(d.validate, d.col, d.opts.InstanceExtensions)
	instanceMu.Unlock()
	if err != nil {
		return nil, err
	}
	d.inst, d.colHandle, d.msgInfo = inst, h, msgInfo
	if err := d.open(); err != nil {
		d.destroy()
		return nil, err
	}
	return d, nil
}

func (d *Device) open() error {
	if d.validate {
		m, r := createMessenger(d.inst, d.msgInfo)
		if r != vk.Success {
			return vkErr("vkCreateDebugUtilsMessengerEXT", r)
		}
		d.messenger = m
	}
	phys, err := enumerate(d.inst)
	if err != nil {
		return err
	}
	sel := d.opts.Select
	if sel == "" {
		sel = os.Getenv("VKT_DEVICE")
	}
	p, err := choose(phys, sel, d.opts.AllowCPU)
	if err != nil {
		return err
	}
	if p.info.APIVersion < vk.MakeVersion(1, 1, 0) {
		return fmt.Errorf("%w: %s supports only Vulkan %s, need 1.1", ErrNoDevice, p.info.Name, VersionString(p.info.APIVersion))
	}
	d.phys, d.info = p.handle, p.info

	// Queue: the first family with compute.
	found := false
	for i, q := range queueFamilies(d.inst, d.phys) {
		if q.flags&uint32(vk.QueueComputeBit) != 0 {
			d.family, d.tsBits, found = uint32(i), q.timestampBits, true
			break
		}
	}
	if !found {
		return fmt.Errorf("%w: %s has no compute queue", ErrNoDevice, p.info.Name)
	}

	var exts []string
	d.pushDesc = p.info.PushDescriptors && !d.opts.NoPushDescriptors
	if d.pushDesc {
		exts = append(exts, "VK_KHR_push_descriptor")
	}
	if p.exts["VK_EXT_memory_budget"] {
		exts = append(exts, "VK_EXT_memory_budget")
		d.hasBudget = true
	}
	if p.info.CooperativeMatrix {
		exts = append(exts, "VK_KHR_cooperative_matrix")
	}
	if p.info.CooperativeMatrixNV {
		exts = append(exts, "VK_NV_cooperative_matrix")
	}
	d.execStats = (d.opts.PipelineStatistics || envBool("VKT_PIPELINE_STATS")) && p.info.PipelineStatistics
	if d.execStats {
		exts = append(exts, "VK_KHR_pipeline_executable_properties")
	}
	for _, e := range d.opts.DeviceExtensions {
		if !p.exts[e] {
			return fmt.Errorf("%w: %s lacks device extension %s", ErrNoDevice, p.info.Name, e)
		}
		exts = append(exts, e)
	}
	if p.exts["VK_KHR_portability_subset"] {
		exts = append(exts, "VK_KHR_portability_subset") // required when present (MoltenVK)
	}
	chain, release := featureChain(d.inst, d.phys, p.info.APIVersion, p.info.CooperativeMatrix, p.info.CooperativeMatrixNV, d.execStats)
	defer release()
	dev, r := createDevice(d.inst, d.phys, chain, d.family, exts)
	if err := vkErr("vkCreateDevice", r); err != nil {
		return err
	}
	d.dev = dev
	var q vk.Queue
	vk.GetDeviceQueue(d.dev, d.family, 0, &q)
	d.queue = q
	fns, ok := loadDeviceFns(d.inst, d.dev, d.pushDesc)
	d.fns = fns
	if !ok {
		return fmt.Errorf("%w: %s lacks core device entry points", ErrNoDevice, p.info.Name)
	}
	if d.pushDesc && !d.fns.hasPushDescriptors() {
		d.pushDesc = false
	}

	d.memProps = memoryProperties(d.inst, d.phys)
	if err := d.initMemory(); err != nil {
		return err
	}
	if err := d.rec.init(d); err != nil {
		return err
	}
	d.pipelines = map[pipelineKey]*Pipeline{}
	d.layouts = map[[2]int]*layout{}
	d.prof = map[string]*KernelTime{}
	d.loadPipelineCache()
	return nil
}

// Info describes the opened device.
func (d *Device) Info() DeviceInfo { return d.info }

// ValidationMessages returns the validation warnings and errors collected
// so far (empty unless validation is on).
func (d *Device) ValidationMessages() []string { return d.col.list() }

// Stats returns counters of recorded and submitted work.
func (d *Device) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Err returns the sticky error that disabled the device, or nil.
func (d *Device) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// usable reports why the device cannot take new work. Caller holds d.mu.
func (d *Device) usable() error {
	if d.closed {
		return ErrClosed
	}
	return d.err
}

// fail records a sticky error. Caller holds d.mu.
func (d *Device) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

// Close waits for outstanding work, prints the profile when VKT_PROFILE=1
// and pipeline statistics when VKT_PIPELINE_STATS=1,
// saves the pipeline cache and releases every Vulkan object owned by the
// device. Buffers and pipelines become invalid. Close returns the sticky
// error, if any; calling it twice is harmless.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	err := d.syncLocked()
	if envBool("VKT_PROFILE") {
		d.printProfileLocked(os.Stderr)
	}
	if envBool("VKT_PIPELINE_STATS") {
		d.printStatisticsLocked(os.Stderr)
	}
	d.savePipelineCache()
	d.closed = true
	d.destroy()
	d.mu.Unlock()
	return err
}

// destroy releases everything created so far, in reverse order. It is also
// the cleanup path of a failed Open.
func (d *Device) destroy() {
	if d.dev != nil {
		vk.DeviceWaitIdle(d.dev)
		d.rec.destroy(d)
		for _, p := range d.pipelines {
			vk.DestroyPipeline(d.dev, p.pipe, nil)
		}
		for _, l := range d.layouts {
			vk.DestroyPipelineLayout(d.dev, l.layout, nil)
			vk.DestroyDescriptorSetLayout(d.dev, l.setLayout, nil)
		}
		if d.pcache != vk.NullPipelineCache {
			vk.DestroyPipelineCache(d.dev, d.pcache, nil)
		}
		if d.staging != nil && d.staging != d.mem {
			d.staging.destroy()
		}
		if d.mem != nil {
			d.mem.destroy()
		}
		vk.DestroyDevice(d.dev, nil)
		d.dev = nil
	}
	d.fns.release()
	d.fns = deviceFns{}
	if d.messenger != 0 {
		destroyMessenger(d.inst, d.messenger)
		d.messenger = 0
	}
	if d.inst != nil {
		vk.DestroyInstance(d.inst, nil)
		d.inst = nil
	}
	if d.msgInfo != nil {
		cfree(d.msgInfo)
		d.msgInfo = nil
	}
	if d.colHandle != 0 {
		d.colHandle.Delete()
		d.colHandle = 0
	}
}
