package vulkan

import (
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// BenchmarkIndexStep is the index work of one MNIST training step, read
// back as a training loop reads its loss: IndexSelect-like Gathers of a
// batch of 64 images and labels, cross-entropy and its gradient on [64 10]
// logits, then a Read of the losses. It prices the device index checks
// (their slots, zeroing and read-back) against the work around them.
func BenchmarkIndexStep(b *testing.B) {
	vk := benchBackend(b)
	mk := func(vals []float32, shape ...int) backend.Strided {
		buf, err := vk.Alloc(backend.Float32, len(vals))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { vk.Free(buf) })
		if err := vk.Write(buf, 0, raw.Bytes(vals)); err != nil {
			b.Fatal(err)
		}
		return backend.Strided{Buf: buf, Shape: shape, Strides: rowMajor(shape)}
	}
	const batch, pixels, classes, images = 64, 784, 10, 1000
	data := make([]float32, images*pixels)
	labels := make([]float32, images)
	for i := range labels {
		labels[i] = float32(i % classes)
	}
	idx := make([]float32, batch)
	for i := range idx {
		idx[i] = float32(i * 7 % images)
	}
	logitVals := make([]float32, batch*classes)
	for i := range logitVals {
		logitVals[i] = float32(i%13) * 0.1
	}
	x, y := mk(data, images, pixels), mk(labels, images)
	ix := mk(idx, batch)
	logits := mk(logitVals, batch, classes)
	xb := mk(make([]float32, batch*pixels), batch, pixels)
	yb := mk(make([]float32, batch), batch)
	loss := mk(make([]float32, batch), batch)
	grad := mk(make([]float32, batch*classes), batch, classes)
	one := mk([]float32{1}, 1)
	g := backend.Strided{Buf: one.Buf, Shape: []int{batch}, Strides: []int{0}}
	// the batch index stood along axis 0 and repeated over the pixels
	ixRows := backend.Strided{Buf: ix.Buf, Shape: []int{batch, pixels}, Strides: []int{1, 0}}
	out := make([]float32, batch)
	b.Run("images", func(b *testing.B) { // one large Gather
		for b.Loop() {
			vk.Gather(xb, backend.Strided{Buf: x.Buf, Shape: []int{images, pixels}, Strides: []int{pixels, 1}}, ixRows, 0)
			if err := vk.Read(raw.Bytes(out), backend.Strided{Buf: xb.Buf, Shape: []int{batch}, Strides: []int{1}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("labels", func(b *testing.B) { // three small index ops
		for b.Loop() {
			vk.Gather(yb, y, ix, 0)
			vk.CrossEntropy(loss, logits, yb)
			vk.CrossEntropyGrad(grad, logits, yb, g, 1.0/batch)
			if err := vk.Read(raw.Bytes(out), loss); err != nil {
				b.Fatal(err)
			}
		}
	})
}
