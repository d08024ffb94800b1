package gpu

import (
	"errors"
	"io"
	"time"
)

// Temporary skeleton: bodies are filled in by the following commits.

var errTODO = errors.New("gpu: not implemented yet")

// Device is an opened Vulkan device with one compute queue, a memory
// allocator, a pipeline cache and the current command batch.
type Device struct{}

// Buffer is a sub-allocated range of device memory usable as a storage
// buffer. Its contents are undefined after Alloc.
type Buffer struct{}

// Pipeline is a compiled compute pipeline with its layout.
type Pipeline struct{}

// Devices lists the physical devices visible through the Vulkan loader.
func Devices() ([]DeviceInfo, error) { return nil, errTODO }

// Open selects and opens a device; see Options.
func Open(opts Options) (*Device, error) { return nil, errTODO }

// Info describes the opened device.
func (d *Device) Info() DeviceInfo { return DeviceInfo{} }

// Close waits for outstanding work and releases every Vulkan object owned by
// the device, saving the pipeline cache. Buffers and pipelines become invalid.
func (d *Device) Close() error { return errTODO }

// Err returns the sticky error, if the device has failed.
func (d *Device) Err() error { return errTODO }

// ValidationMessages returns the validation warnings and errors collected so far.
func (d *Device) ValidationMessages() []string { return nil }

// Stats returns counters of recorded and submitted work.
func (d *Device) Stats() Stats { return Stats{} }

// Flush submits the current batch without waiting.
func (d *Device) Flush() error { return errTODO }

// Sync submits the current batch and waits until all submitted work is done.
func (d *Device) Sync() error { return errTODO }

// Alloc returns a buffer of at least bytes bytes.
func (d *Device) Alloc(bytes int) (*Buffer, error) { return nil, errTODO }

// MemoryStats reports allocator usage and heap budget.
func (d *Device) MemoryStats() MemoryStats { return MemoryStats{} }

// Free releases the buffer; reuse is deferred until work using it completes.
func (b *Buffer) Free() {}

// Size is the size in bytes requested at Alloc.
func (b *Buffer) Size() int { return 0 }

// Range returns the byte range [offset, offset+size) of b with the given access.
func (b *Buffer) Range(offset, size int, access Access) BufferRange { return BufferRange{} }

// In returns the whole buffer as a range that is only read.
func (b *Buffer) In() BufferRange { return BufferRange{} }

// Out returns the whole buffer as a range that is only written.
func (b *Buffer) Out() BufferRange { return BufferRange{} }

// InOut returns the whole buffer as a range that is read and written.
func (b *Buffer) InOut() BufferRange { return BufferRange{} }

// Upload copies data into dst at byte offset.
func (d *Device) Upload(dst *Buffer, offset int, data []byte) error { return errTODO }

// UploadFloat32 copies data into dst at byte offset.
func (d *Device) UploadFloat32(dst *Buffer, offset int, data []float32) error { return errTODO }

// Download copies len(out) bytes from src at byte offset into out.
func (d *Device) Download(src *Buffer, offset int, out []byte) error { return errTODO }

// DownloadFloat32 copies len(out) float32 values from src at byte offset.
func (d *Device) DownloadFloat32(src *Buffer, offset int, out []float32) error { return errTODO }

// Pipeline returns the (cached) compute pipeline for desc.
func (d *Device) Pipeline(desc PipelineDesc) (*Pipeline, error) { return nil, errTODO }

// Name is the pipeline's PipelineDesc.Name.
func (p *Pipeline) Name() string { return "" }

// Dispatch records a dispatch of p over groups workgroups.
func (d *Device) Dispatch(p *Pipeline, bindings []BufferRange, push []byte, groups [3]uint32, name string) error {
	return errTODO
}

// CopyBuffer records a copy of src into dst.
func (d *Device) CopyBuffer(dst, src BufferRange) error { return errTODO }

// FillBuffer records filling dst with a 32-bit pattern.
func (d *Device) FillBuffer(dst BufferRange, value uint32) error { return errTODO }

// Profile returns accumulated GPU time per kernel name.
func (d *Device) Profile() []KernelTime { return nil }

// ResetProfile clears the accumulated profile.
func (d *Device) ResetProfile() {}

// PrintProfile writes the profile as a table.
func (d *Device) PrintProfile(w io.Writer) {}

// TimeGPU runs f and returns the GPU time of the work f records.
func (d *Device) TimeGPU(f func()) (time.Duration, error) { return 0, errTODO }
