// Package vulkan is the Vulkan compute backend of vktensor: it implements
// backend.Backend with the kernels of package shaders, run through the gpu
// runtime.
//
// Buffers are gpu buffers. Ops only record dispatches into the device's
// current batch (the gpu package inserts barriers between dependent ones);
// nothing is submitted per op. Read and Sync submit and wait. Following the
// backend contract, ops do not return errors: the first failure (a pipeline
// that does not build, a device fault, an operand too large for 32-bit
// indexing) is kept and returned by the next Read or Sync, and later ops are
// skipped.
//
// Every kernel addresses elements with 32-bit offsets, so a single buffer
// can hold at most 2^32-1 elements.
package vulkan

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/shaders"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Option configures New.
type Option func(*config)

type config struct {
	gpu    gpu.Options
	device *gpu.Device
}

// WithGPUOptions sets the options used to open the device (device
// selection, validation, profiling, CPU fallback).
func WithGPUOptions(o gpu.Options) Option { return func(c *config) { c.gpu = o } }

// WithDevice makes the backend use an already opened device, which it does
// not close.
func WithDevice(d *gpu.Device) Option { return func(c *config) { c.device = d } }

// Backend runs vktensor ops on a Vulkan device. It is meant to be used from
// one goroutine at a time.
type Backend struct {
	dev   *gpu.Device
	owned bool
	info  gpu.DeviceInfo
	err   error
	pipes map[pipeKey]*gpu.Pipeline

	// test hooks: force a matmul variant (index into variants) and a
	// split-K factor, so small parity tests cover every code path.
	forceVariant int // -1: choose by shape
	forceSplits  int // 0: choose by shape
}

var _ backend.Backend = (*Backend)(nil)

// New opens a device (or uses WithDevice's) and returns a backend on it.
func New(opts ...Option) (*Backend, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	b := &Backend{dev: c.device, pipes: map[pipeKey]*gpu.Pipeline{}, forceVariant: -1}
	if b.dev == nil {
		d, err := gpu.Open(c.gpu)
		if err != nil {
			return nil, err
		}
		b.dev, b.owned = d, true
	}
	b.info = b.dev.Info()
	if b.info.MaxPushConstantsSize < 128 {
		b.Close()
		return nil, fmt.Errorf("vulkan: device %q has %d bytes of push constants, need 128", b.info.Name, b.info.MaxPushConstantsSize)
	}
	return b, nil
}

// Device returns the gpu device the backend runs on, for profiling,
// timestamps and statistics.
func (b *Backend) Device() *gpu.Device { return b.dev }

// Close waits for queued work and closes the device if New opened it.
// Buffers of the backend must not be used afterwards.
func (b *Backend) Close() error {
	if !b.owned {
		return b.dev.Sync()
	}
	return b.dev.Close()
}

// Name reports "vulkan: " and the device name.
func (b *Backend) Name() string { return "vulkan: " + b.info.Name }

// buffer is a backend.Buffer backed by a gpu buffer.
type buffer struct {
	g *gpu.Buffer
	n int
}

func (b *buffer) Len() int { return b.n }

// Err reports the failure carried by the buffer (see backend.Buffer).
func (b *buffer) Err() error { return nil }

// maxElems is the largest element count 32-bit shader indexing can address.
const maxElems = 1<<32 - 1

// Alloc returns a device buffer of n float32 elements.
func (b *Backend) Alloc(n int) (backend.Buffer, error) {
	if n < 0 || n > maxElems {
		return nil, fmt.Errorf("vulkan: cannot allocate %d elements: %w", n, gpu.ErrTooLarge)
	}
	g, err := b.dev.Alloc(max(n, 1) * 4) // zero-size buffers cannot be bound
	if err != nil {
		return nil, err
	}
	return &buffer{g: g, n: n}, nil
}

// Free releases a buffer; the gpu package defers the reuse of its memory
// until queued work using it has finished.
func (b *Backend) Free(buf backend.Buffer) { gbuf(buf).Free() }

func gbuf(buf backend.Buffer) *gpu.Buffer { return buf.(*buffer).g }

// Write uploads src into dst starting at element off.
func (b *Backend) Write(dst backend.Buffer, off int, src []float32) error {
	if b.err != nil {
		return b.err
	}
	if off < 0 || off+len(src) > dst.Len() {
		return fmt.Errorf("vulkan: Write of %d elements at %d into a buffer of %d: %w", len(src), off, dst.Len(), gpu.ErrInvalid)
	}
	if len(src) == 0 {
		return nil
	}
	return b.dev.UploadFloat32(gbuf(dst), off*4, src)
}

// Read waits for queued work and copies src, in row-major order, into dst.
// A non-contiguous src is first gathered into a temporary buffer on the
// device.
func (b *Backend) Read(dst []float32, src backend.Strided) error {
	if b.err != nil {
		return b.err
	}
	n := src.Size()
	if len(dst) != n {
		return fmt.Errorf("vulkan: Read into %d elements of a %v operand: %w", len(dst), src.Shape, gpu.ErrInvalid)
	}
	if n == 0 {
		return b.Sync()
	}
	if src.Contiguous() {
		if err := b.dev.DownloadFloat32(gbuf(src.Buf), src.Offset*4, dst); err != nil {
			b.fail(err)
		}
		return b.err
	}
	tmp, err := b.Alloc(n)
	if err != nil {
		return err
	}
	defer b.Free(tmp)
	b.Copy(backend.Strided{Buf: tmp, Shape: src.Shape, Strides: rowMajor(src.Shape)}, src)
	if b.err != nil {
		return b.err
	}
	if err := b.dev.DownloadFloat32(gbuf(tmp), 0, dst); err != nil {
		b.fail(err)
	}
	return b.err
}

// Sync waits for all queued work and returns the first failure.
func (b *Backend) Sync() error {
	if b.err != nil {
		return b.err
	}
	if err := b.dev.Sync(); err != nil {
		b.fail(err)
	}
	return b.err
}

// fail records the first error; ops check b.err and do nothing after it.
func (b *Backend) fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

var errTooLarge = errors.New("vulkan: operand offsets exceed 32-bit indexing")

// pipeKey identifies a specialized kernel.
type pipeKey struct {
	kernel string
	spec   [10]uint32
	nspec  int
}

// pipeline returns the cached pipeline of kernel with the given
// specialization constants (spec[0] is the workgroup size).
func (b *Backend) pipeline(kernel string, bindings, pushBytes int, spec ...uint32) *gpu.Pipeline {
	k := pipeKey{kernel: kernel, nspec: len(spec)}
	copy(k.spec[:], spec)
	if p := b.pipes[k]; p != nil {
		return p
	}
	code := shaders.Get(kernel)
	if code == nil {
		b.fail(fmt.Errorf("vulkan: no kernel %q", kernel))
		return nil
	}
	p, err := b.dev.Pipeline(gpu.PipelineDesc{
		Name:      kernel,
		SPIRV:     code,
		Spec:      append([]uint32(nil), spec...),
		Bindings:  bindings,
		PushBytes: pushBytes,
	})
	if err != nil {
		b.fail(fmt.Errorf("vulkan: building %s %v: %w", kernel, spec, err))
		return nil
	}
	b.pipes[k] = p
	return p
}

// dispatch records one dispatch; push words are passed as bytes.
func (b *Backend) dispatch(p *gpu.Pipeline, name string, push []uint32, groups [3]uint32, bufs ...gpu.BufferRange) {
	if p == nil || b.err != nil {
		return
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(push))), len(push)*4)
	if err := b.dev.Dispatch(p, bufs, raw, groups, name); err != nil {
		b.fail(err)
	}
}

// grid spreads items workgroups of size wg over x and y, since one
// dimension is limited (65535 on many devices). Kernels linearize
// (y*numX + x)*wg + local and drop invocations beyond their count.
func (b *Backend) grid(items, wg int) [3]uint32 {
	groups := (items + wg - 1) / wg
	maxX := int(b.info.MaxComputeWorkGroupCount[0])
	if maxX <= 0 || maxX > 65535 {
		maxX = 65535
	}
	if groups <= maxX {
		return [3]uint32{uint32(max(groups, 1)), 1, 1}
	}
	return [3]uint32{uint32(maxX), uint32((groups + maxX - 1) / maxX), 1}
}

func in(s backend.Strided) gpu.BufferRange    { return gbuf(s.Buf).In() }
func out(s backend.Strided) gpu.BufferRange   { return gbuf(s.Buf).Out() }
func inout(s backend.Strided) gpu.BufferRange { return gbuf(s.Buf).InOut() }

func rowMajor(shape []int) []int {
	st := make([]int, len(shape))
	n := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = n
		n *= shape[i]
	}
	return st
}

func f32bits(v float32) uint32 { return math.Float32bits(v) }
