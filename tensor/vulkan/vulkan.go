// Package vulkan is the Vulkan compute backend of vktensor: it implements
// backend.Backend with the kernels of package shaders, run through the gpu
// runtime.
//
// Buffers are gpu buffers. Ops only record dispatches into the device's
// current batch (the gpu package inserts barriers between dependent ones);
// nothing is submitted per op. Read and Sync submit and wait.
//
// Errors follow the backend contract (see package backend): ops do not
// return errors. A failure of one op (a pipeline that does not build, an
// operand too large for 32-bit indexing, no memory for a scratch buffer, an
// invalid dispatch) is set at once on the op's destination buffers; an op
// whose source carries an error is skipped and its destinations carry the
// error too. Index kernels (Gather, ScatterAdd, the cross-entropy targets)
// check every index on the device and write the first bad one they meet
// into a small check slot; the slot is read after the work ran (at Sync,
// or at a Read of a buffer that depends on it) and turned into a
// *backend.IndexError on the op's destination and on everything computed
// from it since. Only a failure of the device itself is sticky.
//
// Every kernel addresses elements with 32-bit offsets, so a single buffer
// can hold at most 2^32-1 elements.
//
// Element types. Buffers hold any backend.DType. Float16 and BFloat16
// buffers need the device's storageBuffer16BitAccess feature (lavapipe and
// NVIDIA GPUs have it; the gpu package enables every feature a device
// offers); without it Alloc refuses them with ErrNo16BitStorage rather than
// emulating 16-bit stores through 32-bit words. Kernels read and write
// 16-bit elements as uint16_t and convert on the bits (shaders/dtype.glsl,
// the rules of tensor/internal/half): no shaderFloat16 arithmetic and no
// driver rounding mode is involved, so conversions give the CPU backend's
// bits. Int32 buffers are the float buffers' bindings seen as int arrays.
//
// The strided kernels (unary, binary, where, gen, gather, scatter) take the
// operands' dtypes as specialization constants (DTYPE and STYPE in
// shaders/strided.glsl): the plain SPIR-V builds handle Float32 and Int32,
// and a "16" build of each (compiled with -DD16, the only modules that
// declare the 16-bit storage capability) adds Float16 and BFloat16. The
// Float32 specialization is the kernel as it was (the vec4, row and tile
// layouts are Float32 only). Which ops read and write each dtype natively:
//
//	op                          Float16, BFloat16         Int32
//	Copy (any to any), Fill     native                    native
//	Unary, Binary, Where        native (float32 math,     native (exact,
//	                            one rounding per store)   wrapping)
//	Gather, ScatterAdd          native                    native
//	Random                      native                    -
//	Arange                      host (see below)          host
//	Reduce (ArgMax, ArgMin      native (float32 sums      native (reduce_i32)
//	writing Int32)              and partials)
//	Softmax, Im2Col, Col2Im     native                    -
//	MatMul (and MatMulBias)     native: scalar loads,     -
//	                            float32 sums
//
// Every 16-bit kernel widens each element to float32 as it loads it and
// rounds once when it stores; partial results between passes (split-K,
// chunked reductions, long softmax rows) stay float32. No op goes through
// float32 copies of its operands. Where the float32 kernels have vec4
// layouts, the 16-bit builds of unary and binary move dense operands two
// elements per 32-bit word (LAYOUT 2 there); the other 16-bit kernels use
// scalar loads and stores. Arange into another
// dtype than Float32 is computed on the host in float64 and uploaded (a
// creation op: the upload costs as much as the pass). ArgMax and ArgMin write Int32 indices, exact
// up to 2^31 elements; index operands (Gather, ScatterAdd, the
// cross-entropy targets) are Int32 or Float32, and a bad Int32 index is
// reported with its integer value.
package vulkan

import (
	"errors"
	"fmt"
	"math"
	"sync"

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

// Backend runs vktensor ops on a Vulkan device. It is safe for concurrent
// use: every method holds one mutex while it records (see package
// backend).
type Backend struct {
	// mu serializes every entry point: recording and the gpu.Device calls,
	// the pipeline cache, the op being recorded, the error state of buffers
	// and the index checks. Exported methods take it (ops through enter and
	// exit; Read and Sync let go of it while they wait for the device); the
	// lower-case ones (fill, copy, arange, unary, binary, where,
	// reduce, softmax, matmul, alloc, free, ...) expect it held, and kernel
	// code calls only those: the mutex is not reentrant.
	mu    sync.Mutex
	dev   *gpu.Device
	owned bool
	info  gpu.DeviceInfo
	err   error // the device failed (lost): sticky, set once under mu
	pipes map[pipeKey]*gpu.Pipeline
	cur   opState // the op being recorded
	chk   checker

	// test hooks: force a matmul tiling (one of variants, or a tiling
	// under trial in the benchmarks) and a split-K factor, so small parity
	// tests cover every code path, and make scratch allocations fail.
	forceVariant *variant // nil: choose by shape
	forceSplits  int      // 0: choose by shape
	// forceDirectConv runs every input gradient as an implicit GEMM (the
	// parity tests of the few-channel shapes)
	forceDirectConv bool
	failScratch     bool
}

var _ backend.Backend = (*Backend)(nil)

// New opens a device (or uses WithDevice's) and returns a backend on it.
func New(opts ...Option) (*Backend, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	b := &Backend{dev: c.device, pipes: map[pipeKey]*gpu.Pipeline{}}
	if b.dev == nil {
		d, err := gpu.Open(c.gpu)
		if err != nil {
			return nil, err
		}
		b.dev, b.owned = d, true
	}
	b.info = b.dev.Info()
	if need := maxPushBytes(); int(b.info.MaxPushConstantsSize) < need {
		b.Close()
		return nil, fmt.Errorf("vulkan: device %q has %d bytes of push constants, need %d", b.info.Name, b.info.MaxPushConstantsSize, need)
	}
	b.chk.stride = int(max(16, b.info.MinStorageBufferOffsetAlign))
	return b, nil
}

// Device returns the gpu device the backend runs on, for profiling,
// timestamps and statistics.
func (b *Backend) Device() *gpu.Device { return b.dev }

// Close waits for queued work and closes the device if New opened it.
// Buffers of the backend must not be used afterwards.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.owned {
		return b.dev.Sync()
	}
	return b.dev.Close()
}

// Name reports "vulkan: " and the device name.
func (b *Backend) Name() string { return "vulkan: " + b.info.Name }

// buffer is a backend.Buffer backed by a gpu buffer. err and pend are
// guarded by be.mu.
type buffer struct {
	be   *Backend
	g    *gpu.Buffer
	n    int
	dt   backend.DType
	err  error    // the failure it carries, once known
	pend []*check // device checks of ops it was computed from, not yet read back
}

func (x *buffer) Len() int { return x.n }

func (x *buffer) DType() backend.DType { return x.dt }

// Err reports the failure carried by the buffer (see backend.Buffer): that
// of an op that wrote it or that it was computed from, as far as known.
func (x *buffer) Err() error {
	x.be.mu.Lock()
	defer x.be.mu.Unlock()
	return x.errLocked()
}

// errLocked folds checks read back since into err and drops the passed
// ones.
func (x *buffer) errLocked() error {
	if x.err != nil || len(x.pend) == 0 {
		return x.err
	}
	kept := x.pend[:0]
	for _, c := range x.pend {
		switch {
		case !c.done:
			kept = append(kept, c)
		case c.err != nil:
			x.err, x.pend = c.err, nil
			return x.err
		}
	}
	clear(x.pend[len(kept):])
	x.pend = kept
	return nil
}

// setErr makes x carry err unless it carries a failure already.
func (x *buffer) setErr(err error) {
	if x.errLocked() == nil {
		x.err, x.pend = err, nil
	}
}

// addPend makes x depend on check c.
func (x *buffer) addPend(c *check) {
	if x.err != nil {
		return
	}
	for _, p := range x.pend {
		if p == c {
			return
		}
	}
	x.pend = append(x.pend, c)
}

// maxDst is the most destination buffers an op writes (AdamStep: 3).
const maxDst = 4

// opState is the op being recorded: failures are attributed to its
// destinations.
type opState struct {
	name   string
	dst    [maxDst]*buffer
	nd     int
	failed bool
}

// enter locks b and begins op name, whose first ndst operands are its
// destinations and the rest its sources (a destination an op also reads,
// as MatMul with accumulate does, keeps what it carries anyway). It
// reports whether the op should be recorded: when a source already carries
// an error, the destinations take it and the op is skipped. The
// destinations inherit the sources' pending device checks. Callers defer
// b.exit() before calling enter.
func (b *Backend) enter(name string, ndst int, ops ...backend.Strided) bool {
	b.mu.Lock()
	b.cur = opState{name: name}
	var inErr error
	for i, o := range ops {
		x, _ := o.Buf.(*buffer)
		if x == nil {
			continue
		}
		if i < ndst {
			b.cur.dst[b.cur.nd] = x
			b.cur.nd++
		} else if err := x.errLocked(); err != nil && inErr == nil {
			inErr = err
		}
	}
	if inErr == nil {
		inErr = b.err
	}
	if inErr != nil {
		b.fail(inErr)
		return false
	}
	for _, o := range ops[ndst:] {
		if x, _ := o.Buf.(*buffer); x != nil {
			for _, c := range x.pend {
				for _, d := range b.cur.dst[:b.cur.nd] {
					if d != x {
						d.addPend(c)
					}
				}
			}
		}
	}
	return true
}

// exit ends the op begun by enter and unlocks b.
func (b *Backend) exit() {
	b.cur = opState{}
	b.mu.Unlock()
}

// fail attributes err to the op being recorded: its destinations carry it
// and the op records nothing more. A failure of the device itself also
// becomes the backend's sticky error.
func (b *Backend) fail(err error) {
	if err == nil {
		return
	}
	if derr := b.dev.Err(); derr != nil && b.err == nil {
		b.err = derr
	}
	b.cur.failed = true
	for _, d := range b.cur.dst[:b.cur.nd] {
		d.setErr(err)
	}
}

// deviceFail records err, from waiting for or reading back work, as the
// sticky error when the device has failed, and returns it.
func (b *Backend) deviceFail(err error) error {
	if err != nil && b.err == nil && b.dev.Err() != nil {
		b.err = b.dev.Err()
	}
	return err
}

// maxElems is the largest element count 32-bit shader indexing can address.
const maxElems = 1<<32 - 1

// Alloc returns a device buffer of n elements of dt. Float16 and BFloat16
// buffers need the device's storageBuffer16BitAccess feature; without it
// Alloc refuses them with ErrNo16BitStorage.
func (b *Backend) Alloc(dt backend.DType, n int) (backend.Buffer, error) {
	if !dt.Valid() {
		return nil, fmt.Errorf("vulkan: Alloc of an unknown %s: %w", dt, gpu.ErrInvalid)
	}
	if dt.Size() == 2 && !b.info.Storage16Bit {
		return nil, fmt.Errorf("vulkan: %s buffers on %q: %w", dt, b.info.Name, ErrNo16BitStorage)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	buf, err := b.newBuffer(dt, n)
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// ErrNo16BitStorage is the failure of Alloc of a Float16 or BFloat16
// buffer on a device without 16-bit storage buffers.
var ErrNo16BitStorage = errors.New("the device lacks the storageBuffer16BitAccess feature that 16-bit buffers need")

func (b *Backend) newBuffer(dt backend.DType, n int) (*buffer, error) {
	if n < 0 || n > maxElems {
		return nil, fmt.Errorf("vulkan: cannot allocate %d elements: %w", n, gpu.ErrTooLarge)
	}
	// whole 4-byte words (transfer fills and copies work on words), and
	// never zero bytes: zero-size buffers cannot be bound
	bytes := (max(n, 1)*dt.Size() + 3) &^ 3
	g, err := b.dev.Alloc(bytes)
	if err != nil {
		return nil, err
	}
	return &buffer{be: b, g: g, n: n, dt: dt}, nil
}

// alloc returns a float32 scratch buffer for the op being recorded (the
// hook failScratch makes it fail, for tests); the caller reports a failure
// with fail.
func (b *Backend) alloc(n int) (backend.Buffer, error) {
	return b.allocOf(backend.Float32, n)
}

// allocOf is alloc for elements of dt.
func (b *Backend) allocOf(dt backend.DType, n int) (backend.Buffer, error) {
	if b.failScratch {
		return nil, fmt.Errorf("vulkan: scratch buffer of %d elements (test hook): %w", n, gpu.ErrOutOfMemory)
	}
	buf, err := b.newBuffer(dt, n)
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// Free releases a buffer; the gpu package defers the reuse of its memory
// until queued work using it has finished.
func (b *Backend) Free(buf backend.Buffer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free(buf)
}

func (b *Backend) free(buf backend.Buffer) {
	x := buf.(*buffer)
	x.g.Free()
	x.pend = nil
}

func gbuf(buf backend.Buffer) *gpu.Buffer { return buf.(*buffer).g }

// Write uploads the elements encoded in src into dst starting at element
// off.
func (b *Backend) Write(dst backend.Buffer, off int, src []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	size := dst.DType().Size()
	if len(src)%size != 0 {
		return fmt.Errorf("vulkan: Write of %d bytes into a %s buffer, not a whole number of elements: %w", len(src), dst.DType(), gpu.ErrInvalid)
	}
	if n := len(src) / size; off < 0 || off+n > dst.Len() {
		return fmt.Errorf("vulkan: Write of %d elements at %d into a buffer of %d: %w", n, off, dst.Len(), gpu.ErrInvalid)
	}
	if len(src) == 0 {
		return nil
	}
	return b.deviceFail(b.dev.Upload(gbuf(dst), off*size, src))
}

// Read waits for queued work and copies src, in row-major order, into dst.
// A non-contiguous src is first gathered into a temporary buffer on the
// device. It returns the failure src carries, if any, and reads back the
// device checks src depends on first. It does not hold the backend's
// mutex while it waits, so other goroutines keep recording.
func (b *Backend) Read(dst []byte, src backend.Strided) error {
	b.mu.Lock()
	locked := true
	defer func() {
		if locked {
			b.mu.Unlock()
		}
	}()
	if b.err != nil {
		return b.err
	}
	x := src.Buf.(*buffer)
	if err := x.errLocked(); err != nil {
		return err
	}
	n, size := src.Size(), src.DType().Size()
	if len(dst) != n*size {
		return fmt.Errorf("vulkan: Read into %d bytes of a %v %s operand: %w", len(dst), src.Shape, src.DType(), gpu.ErrInvalid)
	}
	if n == 0 {
		return b.sync(x)
	}
	g, off := x.g, src.Offset*size
	var tmp *buffer
	if !src.Contiguous() {
		var err error
		if tmp, err = b.newBuffer(src.DType(), n); err != nil {
			return err
		}
		b.cur = opState{name: "Read", dst: [maxDst]*buffer{tmp}, nd: 1}
		b.copy(backend.Strided{Buf: tmp, Shape: src.Shape, Strides: rowMajor(src.Shape)}, src)
		b.cur = opState{}
		if err := tmp.errLocked(); err != nil {
			b.free(tmp)
			return err
		}
		g, off = tmp.g, 0
	}
	b.mu.Unlock()
	locked = false
	err := b.dev.Download(g, off, dst) // waits for the work that writes g
	b.mu.Lock()
	locked = true
	if tmp != nil {
		b.free(tmp)
	}
	if err != nil {
		return b.deviceFail(err)
	}
	if len(x.pend) > 0 {
		b.readChecks()
	}
	if b.err != nil {
		return b.err
	}
	return x.errLocked()
}

// Sync waits for all queued work and reads back the device checks. It
// returns only a failure of the device itself: the failures of single ops
// are on their results. Like Read, it waits without holding the mutex.
func (b *Backend) Sync() error {
	b.mu.Lock()
	if b.err != nil {
		defer b.mu.Unlock()
		return b.err
	}
	b.mu.Unlock()
	err := b.dev.Sync()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		return b.deviceFail(err)
	}
	b.readChecks()
	return b.err
}

// sync waits for all work, reads the checks back and returns the device's
// failure, else x's; b.mu is held throughout.
func (b *Backend) sync(x *buffer) error {
	if b.err != nil {
		return b.err
	}
	if err := b.dev.Sync(); err != nil {
		return b.deviceFail(err)
	}
	b.readChecks()
	if b.err != nil {
		return b.err
	}
	return x.errLocked()
}

var errTooLarge = errors.New("vulkan: operand offsets exceed 32-bit indexing")

// pipeKey identifies a specialized kernel.
type pipeKey struct {
	kernel string
	spec   [maxSpec]uint32
	nspec  int
}

// maxSpec is the most specialization constants a kernel takes (every spec
// struct of abi.go fits: TestPipeKeyRoom).
const maxSpec = 16

// pipeline returns the cached pipeline of kernel with the specialization
// constants spec (specWords of the kernel's spec struct in kernelABIs).
// Its push-constant size is that of the kernel's push struct; before it
// builds, it checks both against the kernel's SPIR-V (checkABI) and fails
// the op when they differ.
func (b *Backend) pipeline(kernel string, bindings int, spec []uint32) *gpu.Pipeline {
	if len(spec) > maxSpec {
		b.fail(fmt.Errorf("vulkan: kernel %s: %d specialization constants, the pipeline cache keys at most %d", kernel, len(spec), maxSpec))
		return nil
	}
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
	push, err := checkABI(kernel, len(spec))
	if err != nil {
		b.fail(err)
		return nil
	}
	words := append([]uint32(nil), spec...) // spec itself stays on the caller's stack
	p, err := b.dev.Pipeline(gpu.PipelineDesc{
		Name:      kernel,
		SPIRV:     code,
		Spec:      words,
		Bindings:  bindings,
		PushBytes: push,
	})
	if err != nil {
		b.fail(fmt.Errorf("vulkan: building %s %v: %w", kernel, words, err))
		return nil
	}
	b.pipes[k] = p
	return p
}

// dispatch records one dispatch with the push constants push (pushBytes of
// the kernel's push struct). It does nothing once the op has failed.
func (b *Backend) dispatch(p *gpu.Pipeline, name string, push []byte, groups [3]uint32, bufs ...gpu.BufferRange) {
	if p == nil || b.err != nil || b.cur.failed {
		return
	}
	if len(push) != p.PushBytes() {
		b.fail(fmt.Errorf("vulkan: %s: %d push-constant bytes given, the pipeline takes %d: %w", name, len(push), p.PushBytes(), gpu.ErrInvalid))
		return
	}
	if err := b.dev.Dispatch(p, bufs, push, groups, name); err != nil {
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

// Reduce reduces the trailing axes of src into dst (see reduce.go).
func (b *Backend) Reduce(op backend.ReduceOp, dst, src backend.Strided) {
	defer b.exit()
	if b.enter("Reduce", 1, dst, src) {
		b.reduce(op, dst, src)
	}
}

// Softmax computes softmax or log-softmax along the last axis (see
// reduce.go).
func (b *Backend) Softmax(dst, src backend.Strided, log bool) {
	defer b.exit()
	if b.enter("Softmax", 1, dst, src) {
		b.softmax(dst, src, log)
	}
}
