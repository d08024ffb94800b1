package cpu

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/half"
	"github.com/vktensor/vktensor/tensor/internal/raw"
	"sync"
	"unsafe"
)

// buffer is a CPU buffer: plain Go memory, reclaimed by the garbage
// collector. Exactly one slice is set, the one of its dtype: f for
// Float32, h for Float16 and BFloat16 (the bits), i for Int32.
type buffer struct {
	dt backend.DType
	f  []float32
	h  []uint16
	i  []int32
}

func (b *buffer) DType() backend.DType { return b.dt }

func (b *buffer) Len() int {
	switch b.dt {
	case backend.Float16, backend.BFloat16:
		return len(b.h)
	case backend.Int32:
		return len(b.i)
	}
	return len(b.f)
}

// Err is always nil: CPU ops run at once, and the tensor package rejects
// their bad inputs before they run.
func (b *buffer) Err() error { return nil }

// bytes returns the buffer's memory.
func (b *buffer) bytes() []byte {
	switch b.dt {
	case backend.Float16, backend.BFloat16:
		return raw.Bytes(b.h)
	case backend.Int32:
		return raw.Bytes(b.i)
	}
	return raw.Bytes(b.f)
}

// cpuBuffer returns b as a buffer of this backend.
func cpuBuffer(b backend.Buffer) *buffer {
	buf, ok := b.(*buffer)
	if !ok {
		panic(fmt.Sprintf("cpu: buffer of type %T does not belong to the CPU backend", b))
	}
	return buf
}

// data returns the float32 slice behind a Float32 buffer of this backend.
func data(b backend.Buffer) []float32 {
	buf := cpuBuffer(b)
	if buf.dt != backend.Float32 {
		panic(fmt.Sprintf("cpu: a %s buffer where the op takes float32", buf.dt))
	}
	return buf.f
}

// ints returns the int32 slice behind an Int32 buffer of this backend.
func ints(b backend.Buffer) []int32 {
	buf := cpuBuffer(b)
	if buf.dt != backend.Int32 {
		panic(fmt.Sprintf("cpu: a %s buffer where the op takes int32", buf.dt))
	}
	return buf.i
}

// halves returns the bits behind a Float16 or BFloat16 buffer.
func halves(b backend.Buffer) []uint16 {
	buf := cpuBuffer(b)
	if buf.dt != backend.Float16 && buf.dt != backend.BFloat16 {
		panic(fmt.Sprintf("cpu: a %s buffer where the op takes a 16-bit float", buf.dt))
	}
	return buf.h
}

// newBuffer returns a buffer of n elements of dt.
func newBuffer(dt backend.DType, n int) *buffer {
	b := &buffer{dt: dt}
	switch dt {
	case backend.Float16, backend.BFloat16:
		b.h = make([]uint16, n)
	case backend.Int32:
		b.i = make([]int32, n)
	default:
		b.f = allocData(n)
	}
	return b
}

// loader returns a function reading element off of s's buffer (an offset
// into the buffer, not into s) as an exact float64: the general path of
// ops on dtypes that have no kernel of their own.
func loader(s backend.Strided) func(off int) float64 {
	b := cpuBuffer(s.Buf)
	switch b.dt {
	case backend.Float16:
		return func(off int) float64 { return float64(half.F16ToFloat32(b.h[off])) }
	case backend.BFloat16:
		return func(off int) float64 { return float64(half.BF16ToFloat32(b.h[off])) }
	case backend.Int32:
		return func(off int) float64 { return float64(b.i[off]) }
	}
	return func(off int) float64 { return float64(b.f[off]) }
}

// storer returns a function setting element off of s's buffer to v,
// converted to its dtype with one rounding (see package backend).
func storer(s backend.Strided) func(off int, v float64) {
	b := cpuBuffer(s.Buf)
	switch b.dt {
	case backend.Float16:
		return func(off int, v float64) { b.h[off] = half.F16From64(v) }
	case backend.BFloat16:
		return func(off int, v float64) { b.h[off] = half.BF16From64(v) }
	case backend.Int32:
		return func(off int, v float64) { b.i[off] = half.Int32(v) }
	}
	return func(off int, v float64) { b.f[off] = float32(v) }
}

// convertCopy is Copy between buffers of different dtypes.
func convertCopy(dst, src backend.Strided) {
	load, store := loader(src), storer(dst)
	it := newIter(dst.Shape, dst, src)
	sd, ss := it.inner(0), it.inner(1)
	// Between float32 and 16 bits, the common conversions, contiguous runs
	// go through package half's loops and the rest skips the float64
	// detour.
	sb, db := cpuBuffer(src.Buf), cpuBuffer(dst.Buf)
	if sb.dt == backend.Float32 && (db.dt == backend.Float16 || db.dt == backend.BFloat16) {
		d, s := db.h[dst.Offset:], sb.f[src.Offset:]
		bf := db.dt == backend.BFloat16
		parallelFor(it.size, parallelMin, func(lo, hi int) {
			it.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
				od, os := off[0], off[1]
				switch {
				case sd == 1 && ss == 1 && bf:
					half.BF16s(d[od:od+n], s[os:os+n])
				case sd == 1 && ss == 1:
					half.F16s(d[od:od+n], s[os:os+n])
				case bf:
					for i := 0; i < n; i++ {
						d[od+i*sd] = half.BF16(s[os+i*ss])
					}
				default:
					for i := 0; i < n; i++ {
						d[od+i*sd] = half.F16(s[os+i*ss])
					}
				}
			})
		})
		return
	}
	if db.dt == backend.Float32 && (sb.dt == backend.Float16 || sb.dt == backend.BFloat16) {
		d, s := db.f[dst.Offset:], sb.h[src.Offset:]
		bf := sb.dt == backend.BFloat16
		parallelFor(it.size, parallelMin, func(lo, hi int) {
			it.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
				od, os := off[0], off[1]
				switch {
				case sd == 1 && ss == 1 && bf:
					half.BF16sToFloat32(d[od:od+n], s[os:os+n])
				case sd == 1 && ss == 1:
					half.F16sToFloat32(d[od:od+n], s[os:os+n])
				case bf:
					for i := 0; i < n; i++ {
						d[od+i*sd] = half.BF16ToFloat32(s[os+i*ss])
					}
				default:
					for i := 0; i < n; i++ {
						d[od+i*sd] = half.F16ToFloat32(s[os+i*ss])
					}
				}
			})
		})
		return
	}
	parallelFor(it.size, parallelMin, func(lo, hi int) {
		it.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
			od, os := dst.Offset+off[0], src.Offset+off[1]
			for i := 0; i < n; i++ {
				store(od+i*sd, load(os+i*ss))
			}
		})
	})
}

// copySame copies between two buffers of one dtype, element by element.
func copySame[T raw.Elem](d, s []T, dst, src backend.Strided) {
	d, s = d[dst.Offset:], s[src.Offset:]
	it := newIter(dst.Shape, dst, src)
	sd, ss := it.inner(0), it.inner(1)
	it.run(func(_ int, off *[maxOps]int, n int) {
		od, os := off[0], off[1]
		if sd == 1 && ss == 1 {
			copy(d[od:od+n], s[os:os+n])
			return
		}
		for i := 0; i < n; i++ {
			d[od+i*sd] = s[os+i*ss]
		}
	})
}

// indexer returns a function reading the index at element off of idx
// (offsets as for loader) as a position on an axis of n under the index
// rule (see clampIndex).
func indexer(idx backend.Strided, n int) func(off int) int {
	b := cpuBuffer(idx.Buf)
	switch b.dt {
	case backend.Int32:
		return func(off int) int { return clampInt(int(b.i[off]), n) }
	case backend.Float32:
		return func(off int) int { return clampIndex(b.f[off], n) }
	}
	panic(fmt.Sprintf("cpu: a %s index operand (indices are int32 or float32)", b.dt))
}

// clampInt is clampIndex for an integer index.
func clampInt(v, n int) int {
	if v < 0 {
		v += n
	}
	return min(max(v, 0), n-1)
}

// unsafeSlice views b as elements of T when b is aligned for them, or
// returns nil.
func unsafeSlice[T raw.Elem](b []byte) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	if len(b) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(size) != 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}

// is16 reports whether s holds 16-bit floats.
func is16(s backend.Strided) bool {
	dt := s.Buf.DType()
	return dt == backend.Float16 || dt == backend.BFloat16
}

// widen16 runs an op whose float operands may be 16-bit through its
// float32 kernel: each 16-bit operand in ops is replaced by a contiguous
// float32 copy, the op runs on the copies, and the copies of the
// destinations (the first nDst of ops) are rounded back into them: the
// float32 result on the widened inputs, rounded once, as the backend
// contract asks. It reports false, doing nothing, when no operand is
// 16-bit.
func widen16(ops []backend.Strided, nDst int, run func(ops []backend.Strided)) bool {
	any16 := false
	for _, s := range ops {
		any16 = any16 || s.Buf != nil && is16(s)
	}
	if !any16 {
		return false
	}
	w := make([]backend.Strided, len(ops))
	for i, s := range ops {
		if s.Buf == nil || !is16(s) {
			w[i] = s
			continue
		}
		w[i] = contiguous(newBuffer(backend.Float32, s.Size()), s.Shape)
		convertCopy(w[i], s) // destinations too: MatMul and ScatterAdd add into them
	}
	run(w)
	for i, s := range ops {
		if s.Buf == nil || !is16(s) {
			continue
		}
		if i < nDst {
			convertCopy(s, w[i])
		}
		recycle(cpuBuffer(w[i].Buf).f) // the next op's copies reuse the memory
	}
	return true
}

// chunkRows is about how many elements chunk16 converts at a time: the
// float32 copies of a few operands stay in the L2 cache.
const chunkRows = 1 << 14

// chunk16 is widen16 for elementwise ops (ops[0] the destination, every
// operand of its shape): it converts a block of leading-axis rows at a
// time, about chunkRows elements, into reused float32 scratch, runs the op
// on it and rounds the block back, the blocks split over the cores. The
// results are widen16's; the float32 copies never leave the cache.
func chunk16(ops []backend.Strided, run func(ops []backend.Strided)) bool {
	any16 := false
	for _, s := range ops {
		any16 = any16 || is16(s)
	}
	if !any16 {
		return false
	}
	shape := ops[0].Shape
	if len(shape) == 0 || ops[0].Size() == 0 {
		return widen16(ops, 1, run)
	}
	rowSize := 1
	for _, d := range shape[1:] {
		rowSize *= d
	}
	rows := shape[0]
	per := max(1, chunkRows/max(rowSize, 1))
	chunks := (rows + per - 1) / per
	parallelFor(chunks, max(1, parallelMin/(per*rowSize)), func(lo, hi int) {
		var scratch [maxOps][]float32
		defer func() {
			for _, sc := range scratch {
				if sc != nil {
					chunkScratch.Put(&sc)
				}
			}
		}()
		views := make([]backend.Strided, len(ops))
		tmps := make([]backend.Strided, len(ops))
		for c := lo; c < hi; c++ {
			r0, r1 := c*per, min(rows, (c+1)*per)
			for i, s := range ops {
				v := s
				v.Offset += r0 * s.Strides[0]
				v.Shape = append([]int{r1 - r0}, s.Shape[1:]...)
				views[i] = v
				if !is16(s) {
					tmps[i] = v
					continue
				}
				n := (r1 - r0) * rowSize
				if scratch[i] == nil {
					scratch[i] = getScratch(per * rowSize)
				}
				tmps[i] = contiguous(&buffer{f: scratch[i][:n]}, v.Shape)
				if i > 0 {
					convertCopy(tmps[i], v)
				}
			}
			run(tmps)
			if is16(ops[0]) {
				convertCopy(views[0], tmps[0])
			}
		}
	})
	return true
}

// chunkScratch recycles chunk16's float32 blocks (*[]float32).
var chunkScratch sync.Pool

// getScratch returns a float32 slice of n elements with unspecified
// contents.
func getScratch(n int) []float32 {
	if p, ok := chunkScratch.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float32, n, max(n, chunkRows))
}
