//go:build !cgo

package gpu

// The Vulkan binding needs cgo. Without it (CGO_ENABLED=0) the package
// keeps its API so that programs build, but Open and Devices fail with
// errNoCgo, which wraps ErrNoLoader: callers fall back to the CPU as on a
// machine without a Vulkan driver. No Device, Buffer, Pipeline or Presenter
// can exist in such a build; their methods only report errNoCgo.

import (
	"io"
	"time"
	"unsafe"
)

// Device is an opened Vulkan device; see the cgo build.
type Device struct{}

// Buffer is a range of device memory; see the cgo build.
type Buffer struct{}

// Pipeline is a compiled compute pipeline; see the cgo build.
type Pipeline struct{}

// Presenter shows frames in a window; see the cgo build.
type Presenter struct{}

// Devices returns an error wrapping ErrNoLoader: the program was built
// without cgo.
func Devices() ([]DeviceInfo, error) { return nil, errNoCgo }

// Open returns an error wrapping ErrNoLoader: the program was built
// without cgo.
func Open(Options) (*Device, error) { return nil, errNoCgo }

// Alloc reports errNoCgo.
func (d *Device) Alloc(int) (*Buffer, error) { return nil, errNoCgo }

// Close reports errNoCgo.
func (d *Device) Close() error { return errNoCgo }

// CopyBuffer reports errNoCgo.
func (d *Device) CopyBuffer(BufferRange, BufferRange) error { return errNoCgo }

// Dispatch reports errNoCgo.
func (d *Device) Dispatch(*Pipeline, []BufferRange, []byte, [3]uint32, string) error { return errNoCgo }

// Download reports errNoCgo.
func (d *Device) Download(*Buffer, int, []byte) error { return errNoCgo }

// DownloadFloat32 reports errNoCgo.
func (d *Device) DownloadFloat32(*Buffer, int, []float32) error { return errNoCgo }

// Err reports errNoCgo.
func (d *Device) Err() error { return errNoCgo }

// FillBuffer reports errNoCgo.
func (d *Device) FillBuffer(BufferRange, uint32) error { return errNoCgo }

// Flush reports errNoCgo.
func (d *Device) Flush() error { return errNoCgo }

// Info returns the zero DeviceInfo.
func (d *Device) Info() DeviceInfo { return DeviceInfo{} }

// MemoryStats returns zero counters.
func (d *Device) MemoryStats() MemoryStats { return MemoryStats{} }

// NewPresenter reports errNoCgo.
func (d *Device) NewPresenter(uint64) (*Presenter, error) { return nil, errNoCgo }

// Pipeline reports errNoCgo.
func (d *Device) Pipeline(PipelineDesc) (*Pipeline, error) { return nil, errNoCgo }

// PipelineCachePath returns "".
func (d *Device) PipelineCachePath() string { return "" }

// PrintProfile writes nothing.
func (d *Device) PrintProfile(io.Writer) {}

// Profile returns nil.
func (d *Device) Profile() []KernelTime { return nil }

// ResetProfile does nothing.
func (d *Device) ResetProfile() {}

// Stats returns zero counters.
func (d *Device) Stats() Stats { return Stats{} }

// Sync reports errNoCgo.
func (d *Device) Sync() error { return errNoCgo }

// TimeGPU reports errNoCgo.
func (d *Device) TimeGPU(func()) (time.Duration, error) { return 0, errNoCgo }

// Trim does nothing.
func (d *Device) Trim() {}

// Upload reports errNoCgo.
func (d *Device) Upload(*Buffer, int, []byte) error { return errNoCgo }

// UploadFloat32 reports errNoCgo.
func (d *Device) UploadFloat32(*Buffer, int, []float32) error { return errNoCgo }

// ValidationMessages returns nil.
func (d *Device) ValidationMessages() []string { return nil }

// VkInstance returns nil.
func (d *Device) VkInstance() unsafe.Pointer { return nil }

// Free does nothing.
func (b *Buffer) Free() {}

// In returns the whole buffer, read.
func (b *Buffer) In() BufferRange { return b.Range(0, 0, Read) }

// InOut returns the whole buffer, read and written.
func (b *Buffer) InOut() BufferRange { return b.Range(0, 0, ReadWrite) }

// Out returns the whole buffer, written.
func (b *Buffer) Out() BufferRange { return b.Range(0, 0, Write) }

// Range returns a range of the buffer.
func (b *Buffer) Range(offset, size int, access Access) BufferRange {
	return BufferRange{Buffer: b, Offset: offset, Size: size, Access: access}
}

// Size returns 0.
func (b *Buffer) Size() int { return 0 }

// Bindings returns 0.
func (p *Pipeline) Bindings() int { return 0 }

// Name returns "".
func (p *Pipeline) Name() string { return "" }

// PushBytes returns 0.
func (p *Pipeline) PushBytes() int { return 0 }

// Spec returns nil.
func (p *Pipeline) Spec() []uint32 { return nil }

// Statistics reports errNoCgo.
func (p *Pipeline) Statistics() ([]Executable, error) { return nil, errNoCgo }

// BGRA returns false.
func (p *Presenter) BGRA() bool { return false }

// Close does nothing.
func (p *Presenter) Close() {}

// Present reports errNoCgo.
func (p *Presenter) Present(*Buffer, int, int, int) error { return errNoCgo }

// Resize reports errNoCgo.
func (p *Presenter) Resize(int, int) error { return errNoCgo }

// Size returns 0×0.
func (p *Presenter) Size() (width, height int) { return 0, 0 }

// Stale returns true.
func (p *Presenter) Stale() bool { return true }
