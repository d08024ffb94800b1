//go:build cgo

package gpu

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Pipeline is a compiled compute pipeline with its layout. Pipelines are
// owned and cached by their Device and live until it is closed.
type Pipeline struct {
	d        *Device
	name     string
	what     string // "Dispatch <name>", for error messages
	pipe     vk.Pipeline
	l        *layout
	bindings int
	push     int
	spec     []uint32
}

// Name is the pipeline's PipelineDesc.Name.
func (p *Pipeline) Name() string { return p.name }

// Bindings is the number of storage-buffer bindings.
func (p *Pipeline) Bindings() int { return p.bindings }

// PushBytes is the size of the push-constant block.
func (p *Pipeline) PushBytes() int { return p.push }

// Spec returns the specialization constants the pipeline was built with.
func (p *Pipeline) Spec() []uint32 { return append([]uint32(nil), p.spec...) }

// Statistics returns what the driver reports about the pipeline's compiled
// code (on NVIDIA: "Register Count", shared memory, binary size). It needs
// Options.PipelineStatistics (or VKT_PIPELINE_STATS=1) at Open and a device
// with VK_KHR_pipeline_executable_properties; otherwise it returns an error
// wrapping ErrUnsupported.
func (p *Pipeline) Statistics() ([]Executable, error) {
	d := p.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return nil, err
	}
	if !d.execStats {
		why := "Options.PipelineStatistics is off"
		if !d.info.PipelineStatistics {
			why = d.info.Name + " lacks VK_KHR_pipeline_executable_properties"
		}
		return nil, fmt.Errorf("%w: pipeline statistics of %s: %s", ErrUnsupported, p.name, why)
	}
	ex, res := executableStats(d.inst, d.dev, p.pipe)
	if err := vkErr("vkGetPipelineExecutableStatisticsKHR", res); err != nil {
		return nil, fmt.Errorf("gpu: pipeline statistics of %s: %w", p.name, err)
	}
	return ex, nil
}

// printStatisticsLocked writes every pipeline's statistics, one line per
// executable, in build order of name and constants. Caller holds d.mu.
func (d *Device) printStatisticsLocked(w io.Writer) {
	if !d.execStats {
		fmt.Fprintf(w, "pipeline statistics: not available on %s\n", d.info.Name)
		return
	}
	ps := make([]*Pipeline, 0, len(d.pipelines))
	for _, p := range d.pipelines {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].name != ps[j].name {
			return ps[i].name < ps[j].name
		}
		return fmt.Sprint(ps[i].spec) < fmt.Sprint(ps[j].spec)
	})
	fmt.Fprintf(w, "pipeline statistics on %s (%d pipelines)\n", d.info.Name, len(ps))
	for _, p := range ps {
		ex, res := executableStats(d.inst, d.dev, p.pipe)
		if res != vk.Success {
			fmt.Fprintf(w, "%s %v: %v\n", p.name, p.spec, vkErr("vkGetPipelineExecutableStatisticsKHR", res))
			continue
		}
		for _, e := range ex {
			var b strings.Builder
			for i, s := range e.Statistics {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%s=%g", s.Name, s.Value)
			}
			fmt.Fprintf(w, "%s %v [%s]: %s\n", p.name, p.spec, e.Name, b.String())
		}
	}
}

// layout is a descriptor-set layout plus pipeline layout, shared by all
// pipelines with the same binding count and push-constant size.
type layout struct {
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
}

type pipelineKey struct {
	code     [32]byte // SHA-256 of the SPIR-V
	entry    string
	spec     string // the constants' bytes
	bindings int
	push     int
	subgroup uint32
	full     bool
}

// Pipeline returns the compute pipeline for desc, building it on first use.
// Later calls with the same code, entry point, constants and layout return
// the same *Pipeline. Build failures name the shader and the VkResult.
func (d *Device) Pipeline(desc PipelineDesc) (*Pipeline, error) {
	code := desc.SPIRV
	if desc.Code != nil {
		if code != nil {
			return nil, fmt.Errorf("%w: Pipeline %s: set SPIRV or Code, not both", ErrInvalid, desc.Name)
		}
		code = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(desc.Code))), 4*len(desc.Code))
	}
	if len(code) < 20 || len(code)%4 != 0 || binary.LittleEndian.Uint32(code) != 0x07230203 {
		return nil, fmt.Errorf("%w: Pipeline %s: not a SPIR-V module (%d bytes)", ErrInvalid, desc.Name, len(code))
	}
	if desc.Entry == "" {
		desc.Entry = "main"
	}
	if desc.Bindings < 0 || desc.Bindings > maxBindings {
		return nil, fmt.Errorf("%w: Pipeline %s: %d bindings (max %d)", ErrInvalid, desc.Name, desc.Bindings, maxBindings)
	}
	if len(desc.Spec) > maxSpec {
		return nil, fmt.Errorf("%w: Pipeline %s: %d specialization constants (max %d)", ErrInvalid, desc.Name, len(desc.Spec), maxSpec)
	}
	if desc.PushBytes < 0 || desc.PushBytes%4 != 0 {
		return nil, fmt.Errorf("%w: Pipeline %s: push-constant size %d is not a multiple of 4", ErrInvalid, desc.Name, desc.PushBytes)
	}
	spec := make([]byte, 4*len(desc.Spec))
	for i, v := range desc.Spec {
		binary.LittleEndian.PutUint32(spec[4*i:], v)
	}
	key := pipelineKey{
		code: sha256.Sum256(code), entry: desc.Entry, spec: string(spec),
		bindings: desc.Bindings, push: desc.PushBytes, subgroup: desc.SubgroupSize, full: desc.FullSubgroups,
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.usable(); err != nil {
		return nil, err
	}
	if p := d.pipelines[key]; p != nil {
		d.stats.PipelineHits++
		return p, nil
	}
	if desc.PushBytes > int(d.info.MaxPushConstantsSize) {
		return nil, fmt.Errorf("%w: Pipeline %s: %d push-constant bytes exceeds maxPushConstantsSize %d",
			ErrTooLarge, desc.Name, desc.PushBytes, d.info.MaxPushConstantsSize)
	}
	if (desc.SubgroupSize != 0 || desc.FullSubgroups) && !d.info.SubgroupSizeControl {
		return nil, fmt.Errorf("%w: Pipeline %s: subgroup size control is not supported by %s", ErrInvalid, desc.Name, d.info.Name)
	}
	if s := desc.SubgroupSize; s != 0 && (s < d.info.MinSubgroupSize || s > d.info.MaxSubgroupSize || s&(s-1) != 0) {
		return nil, fmt.Errorf("%w: Pipeline %s: subgroup size %d outside [%d, %d]", ErrInvalid, desc.Name, s, d.info.MinSubgroupSize, d.info.MaxSubgroupSize)
	}
	l, err := d.layoutFor(desc.Bindings, desc.PushBytes)
	if err != nil {
		return nil, fmt.Errorf("gpu: Pipeline %s: %w", desc.Name, err)
	}
	pipe, err := d.build(code, desc, l)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{d: d, name: desc.Name, what: "Dispatch " + desc.Name, pipe: pipe, l: l, bindings: desc.Bindings, push: desc.PushBytes,
		spec: append([]uint32(nil), desc.Spec...)}
	d.pipelines[key] = p
	d.stats.PipelineBuilds++
	d.cacheDirty = true
	return p, nil
}

// cbytes copies b into C memory: Vulkan keeps (or, for SPIR-V, needs
// aligned) what C structs point to, where Go pointers are not allowed.
func cbytes(b []byte) unsafe.Pointer {
	p := cmalloc(len(b))
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return p
}

func (d *Device) build(code []byte, desc PipelineDesc, l *layout) (vk.Pipeline, error) {
	a := pipelineArgs{code: code, entry: desc.Entry, spec: desc.Spec, subgroup: desc.SubgroupSize, layout: l.layout, cache: d.pcache}
	if desc.FullSubgroups {
		a.stageFlags |= 2 // VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT
	}
	if d.execStats {
		a.pipeFlags |= 0x40 // VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR
	}
	pipe, op, res := createPipeline(d.inst, d.dev, a)
	if res != vk.Success {
		err := fmt.Errorf("gpu: shader %s (entry %s): %w", desc.Name, desc.Entry, vkErr(op, res))
		if res == vk.ErrorDeviceLost {
			d.fail(err)
		}
		return nil, err
	}
	return pipe, nil
}

func (d *Device) layoutFor(bindings, push int) (*layout, error) {
	k := [2]int{bindings, push}
	if l := d.layouts[k]; l != nil {
		return l, nil
	}
	sl, pl, op, res := createLayouts(d.inst, d.dev, bindings, push, d.pushDesc)
	if err := vkErr(op, res); err != nil {
		return nil, err
	}
	l := &layout{setLayout: sl, layout: pl}
	d.layouts[k] = l
	return l, nil
}

// PipelineCachePath is where the device's VkPipelineCache is persisted:
// os.UserCacheDir()/vktensor/pipeline-cache-<pipelineCacheUUID>.bin. The
// UUID changes whenever the driver's binary format does, so stale caches are
// never offered to a new driver. Empty when no cache directory exists.
func (d *Device) PipelineCachePath() string { return d.cachePath }

// loadPipelineCache creates the VkPipelineCache, seeded from disk when
// possible. Failures only cost compile time, so they are ignored.
func (d *Device) loadPipelineCache() {
	// CPU implementations (lavapipe) skip the disk cache: their compiles
	// are cheap, and parallel test processes would share the file.
	if !d.opts.NoPipelineCache && d.info.Type != DeviceCPU {
		if dir, err := os.UserCacheDir(); err == nil {
			d.cachePath = filepath.Join(dir, "vktensor", "pipeline-cache-"+hex.EncodeToString(d.info.CacheUUID[:])+".bin")
		}
	}
	var data []byte
	if d.cachePath != "" {
		data, _ = os.ReadFile(d.cachePath)
	}
	create := func(data []byte) vk.Result {
		ci := vk.PipelineCacheCreateInfo{SType: vk.StructureTypePipelineCacheCreateInfo}
		if len(data) > 0 {
			p := cbytes(data)
			defer cfree(p)
			ci.InitialDataSize, ci.PInitialData = uint(len(data)), p
		}
		var pc vk.PipelineCache
		res := vk.CreatePipelineCache(d.dev, &ci, nil, &pc)
		ci.Free()
		if res == vk.Success {
			d.pcache = pc
		}
		return res
	}
	if create(data) != vk.Success && len(data) > 0 {
		create(nil) // a corrupt file must not stop us
	}
}

// savePipelineCache writes the cache atomically (temp file + rename) when
// new pipelines were built. Caller holds d.mu; the device is still alive.
func (d *Device) savePipelineCache() {
	if d.cachePath == "" || !d.cacheDirty || d.pcache == vk.NullPipelineCache || d.dev == nil {
		return
	}
	var n uint
	if vk.GetPipelineCacheData(d.dev, d.pcache, &n, nil) != vk.Success || n == 0 {
		return
	}
	buf := cmalloc(int(n))
	defer cfree(buf)
	if vk.GetPipelineCacheData(d.dev, d.pcache, &n, buf) != vk.Success {
		return
	}
	data := append([]byte(nil), unsafe.Slice((*byte)(buf), n)...)
	if err := os.MkdirAll(filepath.Dir(d.cachePath), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.cachePath), "pipeline-cache-*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), d.cachePath) != nil {
		os.Remove(tmp.Name())
	}
	d.cacheDirty = false
}
