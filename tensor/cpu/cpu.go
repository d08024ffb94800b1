// Package cpu is vktensor's pure-Go backend: the fallback on machines
// without a GPU and the reference every Vulkan kernel is tested against.
//
// It uses no cgo. Matrix multiplication goes through package
// tensor/internal/gemm (packed, cache-blocked, with AVX-512 or AVX2/FMA
// micro-kernels on amd64). Elementwise ops on contiguous rows and on the
// common broadcast layouts (a row vector over a matrix, a column vector, a
// scalar), sums, extrema, softmax and the exp-based activations run through
// package tensor/internal/vec's kernels (assembly on amd64, portable Go with
// the purego tag); other layouts take a strided loop, and a transposed copy
// a blocked one. Large operands are split over all cores (see parallelMin)
// and inner loops do not allocate; large buffers are recycled (pool.go).
//
// Accuracy: arithmetic is IEEE float32 as Go computes it. Sums accumulate
// in float64 (lanes in a different order from a sequential loop, within
// n·2⁻⁵³·Σ|x| of the exact sum). exp, sigmoid, tanh, log-softmax and
// softmax over strided rows evaluate in float64 and round once to float32,
// within 0.5 + 2⁻²⁶ ulp of the exact value (see package vec); the other
// transcendental functions call package math in float64 and round once.
// Softmax over contiguous rows is the one exception: it runs in float32
// lanes (exponentials within 2 ulp, summed in float64, times the rounded
// reciprocal of the sum), within 5·2⁻²³ relative of the exact softmax of
// the rounded differences x−max (about 1.2·2⁻²³ measured), far inside the
// 1e-5 relative (≈ 84·2⁻²³) the Vulkan parity tests allow. So the backend
// stays a reference: results are as close to exact as float32 storage
// allows, or within a few ulp of it.
package cpu

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/half"
	"github.com/vktensor/vktensor/tensor/internal/philox"
	"github.com/vktensor/vktensor/tensor/internal/raw"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// Backend is the pure-Go backend. The zero value is not usable; call New.
// A Backend has no state of its own and is safe for concurrent use by
// goroutines working on different buffers.
type Backend struct{}

// New returns the CPU backend.
func New() *Backend { return &Backend{} }

// Name reports "cpu".
func (*Backend) Name() string { return "cpu" }

// Alloc returns a buffer of n elements of dt: zeroed when its memory is
// fresh, holding stale values when a freed buffer's memory is recycled
// (see pool.go; the backend contract leaves the contents unspecified). A
// buffer larger than MemoryLimit fails with an error wrapping
// ErrOutOfMemory.
func (*Backend) Alloc(dt backend.DType, n int) (backend.Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("cpu: Alloc of %d elements", n)
	}
	if !dt.Valid() {
		return nil, fmt.Errorf("cpu: Alloc of unknown dtype %v", dt)
	}
	if lim := MemoryLimit(); int64(n) > lim/int64(dt.Size()) {
		return nil, fmt.Errorf("%w: a buffer of %d %s elements (%d bytes) is larger than the limit of %d bytes (cpu.SetMemoryLimit)", ErrOutOfMemory, n, dt, uint64(dt.Size())*uint64(n), lim)
	}
	return newBuffer(dt, n), nil
}

// Free drops the reference to b's memory: a large float32 buffer's memory
// goes back to a pool for the next Alloc of its size class, others to the
// garbage collector.
func (*Backend) Free(b backend.Buffer) {
	buf := cpuBuffer(b)
	d := buf.f
	buf.f, buf.h, buf.i = nil, nil, nil
	recycle(d)
}

// Write copies the elements encoded in src into dst starting at element off.
func (*Backend) Write(dst backend.Buffer, off int, src []byte) error {
	b := cpuBuffer(dst)
	size := b.dt.Size()
	if len(src)%size != 0 {
		return fmt.Errorf("cpu: Write of %d bytes into a %s buffer: not a whole number of %d-byte elements", len(src), b.dt, size)
	}
	if n := b.Len(); off < 0 || off+len(src)/size > n {
		return fmt.Errorf("cpu: Write of %d elements at %d into a buffer of %d", len(src)/size, off, n)
	}
	copy(b.bytes()[off*size:], src)
	return nil
}

// Read copies the elements of src into dst in row-major order.
func (b *Backend) Read(dst []byte, src backend.Strided) error {
	dt := src.DType()
	if len(dst) != src.Size()*dt.Size() {
		return fmt.Errorf("cpu: Read of %v %s elements into %d bytes", src.Shape, dt, len(dst))
	}
	if len(dst) == 0 {
		return nil
	}
	tmp := newBuffer(dt, 0)
	switch dt {
	case backend.Float16, backend.BFloat16:
		tmp.h = unsafeSlice[uint16](dst)
	case backend.Int32:
		tmp.i = unsafeSlice[int32](dst)
	default:
		tmp.f = unsafeSlice[float32](dst)
	}
	if tmp.Len() == src.Size() {
		b.Copy(contiguous(tmp, src.Shape), src)
		return nil
	}
	// dst is not aligned for the element type: read through an aligned copy.
	al := newBuffer(dt, src.Size())
	b.Copy(contiguous(al, src.Shape), src)
	copy(dst, al.bytes())
	return nil
}

// Sync returns nil: the CPU backend runs every op before returning.
func (*Backend) Sync() error { return nil }

// contiguous describes a row-major array of shape at the start of buf.
func contiguous(buf backend.Buffer, shape []int) backend.Strided {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return backend.Strided{Buf: buf, Shape: shape, Strides: st}
}

// Fill sets every element of dst to v.
func (*Backend) Fill(dst backend.Strided, val float64) {
	switch b := cpuBuffer(dst.Buf); b.dt {
	case backend.Float16:
		fill(b.h, dst, half.F16From64(val))
	case backend.BFloat16:
		fill(b.h, dst, half.BF16From64(val))
	case backend.Int32:
		fill(b.i, dst, half.Int32(val))
	default:
		fill(b.f, dst, float32(val))
	}
}

// fill sets the elements dst describes in d to v.
func fill[T raw.Elem](d []T, dst backend.Strided, v T) {
	d = d[dst.Offset:]
	it := newIter(dst.Shape, dst)
	s := it.inner(0)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			d[off[0]+i*s] = v
		}
	})
}

// Copy copies src into dst, converting between dtypes.
func (*Backend) Copy(dst, src backend.Strided) {
	if dst.Size() == 0 {
		return // an axis of 0 may sit beside one so long that block sizes overflow
	}
	db, sb := cpuBuffer(dst.Buf), cpuBuffer(src.Buf)
	switch {
	case db.dt != sb.dt:
		convertCopy(dst, src)
		return
	case db.dt == backend.Int32:
		copySame(db.i, sb.i, dst, src)
		return
	case db.dt != backend.Float32:
		copySame(db.h, sb.h, dst, src)
		return
	}
	it := newIter(dst.Shape, dst, src)
	if sd, sa := it.inner(0), it.inner(1); len(it.shape) == 2 && sd == 1 && sa != 1 && it.strides[1][0] == 1 {
		transposeCopy(db.f[dst.Offset:], it.strides[0][0], sb.f[src.Offset:], sa, it.shape[0], it.shape[1])
		return
	}
	copySame(db.f, sb.f, dst, src)
}

// transposeCopy sets d[r*dr + c] = a[r + c*ac] for a rows×cols matrix: a
// transpose into row-major order, by package vec's blocked transpose, the
// rows split over the cores.
func transposeCopy(d []float32, dr int, a []float32, ac, rows, cols int) {
	const blk = 64
	minBlocks := max(1, parallelMin/(blk*max(cols, 1)))
	parallelFor((rows+blk-1)/blk, minBlocks, func(lo, hi int) {
		r0, r1 := lo*blk, min(hi*blk, rows)
		vec.Transpose(d[r0*dr:], dr, a[r0:], ac, r1-r0, cols)
	})
}

// Arange sets element i of dst to start + i*step.
func (*Backend) Arange(dst backend.Strided, start, step float64) {
	it := newIter(dst.Shape, dst)
	s := it.inner(0)
	if dst.DType() != backend.Float32 {
		store := storer(dst)
		it.run(func(lin int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				store(dst.Offset+off[0]+i*s, start+float64(float64(lin+i)*step))
			}
		})
		return
	}
	d := data(dst.Buf)[dst.Offset:]
	it.run(func(lin int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			// The conversion rounds the product: Go may not fuse it into an
			// fma (as it may on arm64), so every platform rounds alike.
			d[off[0]+i*s] = float32(start + float64(float64(lin+i)*step))
		}
	})
}

// Random fills dst from the Philox stream (seed, stream).
func (be *Backend) Random(dst backend.Strided, dist backend.Dist, seed, stream uint64, a, b float32) {
	if widen16([]backend.Strided{dst}, 1, func(w []backend.Strided) { be.Random(w[0], dist, seed, stream, a, b) }) {
		return
	}
	d := data(dst.Buf)[dst.Offset:]
	it := newIter(dst.Shape, dst)
	s := it.inner(0)
	draw := philox.Uniform
	if dist == backend.Normal {
		draw = philox.Normal
	}
	parallelFor(it.size, 1<<12, func(lo, hi int) {
		it.walk(lo, hi, func(lin int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				d[off[0]+i*s] = draw(seed, stream, uint64(lin+i), a, b)
			}
		})
	})
}

// Where sets dst = a where cond != 0, else b.
func (*Backend) Where(dst, cond, a, b backend.Strided) {
	if cond.DType() != backend.Float32 {
		// Any condition dtype: 0 (or −0) of any type is false.
		load := loader(cond)
		it := newIter(cond.Shape, cond)
		mask := contiguous(newBuffer(backend.Float32, cond.Size()), cond.Shape)
		m := data(mask.Buf)
		s := it.inner(0)
		it.run(func(lin int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				if load(cond.Offset+off[0]+i*s) != 0 {
					m[lin+i] = 1
				} else {
					m[lin+i] = 0
				}
			}
		})
		cond = mask
	}
	switch db := cpuBuffer(dst.Buf); db.dt {
	case backend.Float32:
		where(db.f, data(cond.Buf), cpuBuffer(a.Buf).f, cpuBuffer(b.Buf).f, dst, cond, a, b)
	case backend.Int32:
		where(db.i, data(cond.Buf), cpuBuffer(a.Buf).i, cpuBuffer(b.Buf).i, dst, cond, a, b)
	default:
		where(db.h, data(cond.Buf), cpuBuffer(a.Buf).h, cpuBuffer(b.Buf).h, dst, cond, a, b)
	}
}

// where is Where on the elements d, x, y of one dtype, the condition c float32.
func where[T raw.Elem](d []T, c []float32, x, y []T, dst, cond, a, b backend.Strided) {
	d, c, x, y = d[dst.Offset:], c[cond.Offset:], x[a.Offset:], y[b.Offset:]
	it := newIter(dst.Shape, dst, cond, a, b)
	sd, sc, sa, sb := it.inner(0), it.inner(1), it.inner(2), it.inner(3)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			if c[off[1]+i*sc] != 0 {
				d[off[0]+i*sd] = x[off[2]+i*sa]
			} else {
				d[off[0]+i*sd] = y[off[3]+i*sb]
			}
		}
	})
}

// Gather sets dst[..., i, ...] = src[..., idx[..., i, ...], ...] along axis.
func (*Backend) Gather(dst, src, idx backend.Strided, axis int) {
	switch db := cpuBuffer(dst.Buf); db.dt {
	case backend.Float32:
		gather(db.f, cpuBuffer(src.Buf).f, dst, src, idx, axis)
	case backend.Int32:
		gather(db.i, cpuBuffer(src.Buf).i, dst, src, idx, axis)
	default:
		gather(db.h, cpuBuffer(src.Buf).h, dst, src, idx, axis)
	}
}

func gather[T raw.Elem](d, s []T, dst, src, idx backend.Strided, axis int) {
	d, s = d[dst.Offset:], s[src.Offset:]
	// Walk src with the gathered axis pinned to 0; the index supplies it.
	as, na := src.Strides[axis], src.Shape[axis]
	at := indexer(idx, na)
	it := newIter(dst.Shape, dst, pinAxis(src, dst.Shape, axis), idx)
	sd, ss, sx := it.inner(0), it.inner(1), it.inner(2)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			d[off[0]+i*sd] = s[off[1]+i*ss+at(idx.Offset+off[2]+i*sx)*as]
		}
	})
}

// pinAxis views x with the given shape and a zero stride on axis, so that
// an iteration over shape reaches x's elements at index 0 of axis; Gather
// and ScatterAdd add the index's offset along axis themselves.
func pinAxis(x backend.Strided, shape []int, axis int) backend.Strided {
	x.Shape = shape
	x.Strides = append([]int(nil), x.Strides...)
	x.Strides[axis] = 0
	return x
}

// ScatterAdd adds src into dst at the positions idx gives along axis.
// It runs on one goroutine: repeated indices make the writes collide.
func (be *Backend) ScatterAdd(dst, src, idx backend.Strided, axis int) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.ScatterAdd(w[0], w[1], idx, axis) }) {
		return
	}
	if db := cpuBuffer(dst.Buf); db.dt == backend.Int32 {
		scatterAdd(db.i, cpuBuffer(src.Buf).i, dst, src, idx, axis)
		return
	}
	scatterAdd(data(dst.Buf), data(src.Buf), dst, src, idx, axis)
}

func scatterAdd[T float32 | int32](d, s []T, dst, src, idx backend.Strided, axis int) {
	d, s = d[dst.Offset:], s[src.Offset:]
	as, na := dst.Strides[axis], dst.Shape[axis]
	at := indexer(idx, na)
	it := newIter(src.Shape, pinAxis(dst, src.Shape, axis), src, idx)
	sd, ss, sx := it.inner(0), it.inner(1), it.inner(2)
	it.walk(0, it.size, func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			d[off[0]+i*sd+at(idx.Offset+off[2]+i*sx)*as] += s[off[1]+i*ss]
		}
	})
}

// Softmax computes softmax or log-softmax over the last axis of src.
func (be *Backend) Softmax(dst, src backend.Strided, log bool) {
	if widen16([]backend.Strided{dst, src}, 1, func(w []backend.Strided) { be.Softmax(w[0], w[1], log) }) {
		return
	}
	r := len(src.Shape)
	if r == 0 {
		// A scalar is a row of one: softmax 1, log-softmax 0 (NaN stays NaN).
		v := data(src.Buf)[src.Offset]
		out := float32(1)
		if log {
			out = 0
		}
		data(dst.Buf)[dst.Offset] = out + 0*v
		return
	}
	n := src.Shape[r-1]
	rows := src.Size() / max(n, 1)
	if n == 0 {
		return
	}
	d, s := data(dst.Buf), data(src.Buf)
	ds, ss := dst.Strides[r-1], src.Strides[r-1]
	lead := backend.Strided{Shape: src.Shape[:r-1]}
	dOff := rowOffsets(dst, lead.Shape)
	sOff := rowOffsets(src, lead.Shape)
	parallelFor(rows, max(1, parallelMinHeavy/n), func(lo, hi int) {
		// The exponentials of a row, kept in float64 so that each is
		// computed once and rounded once (not needed by the float32
		// softmax of contiguous rows).
		var e []float64
		if log || ds != 1 || ss != 1 {
			e = make([]float64, n)
		}
		for row := lo; row < hi; row++ {
			od, os := dOff(row), sOff(row)
			if ds == 1 && ss == 1 {
				softmaxRow(d[od:od+n], s[os:os+n], e, log)
				continue
			}
			m := float32(math.Inf(-1))
			for i := 0; i < n; i++ {
				v := s[os+i*ss]
				if v > m || v != v {
					m = v
				}
			}
			var sum float64
			if log {
				for i := 0; i < n; i++ {
					sum += math.Exp(float64(s[os+i*ss] - m))
				}
				ls := math.Log(sum)
				for i := 0; i < n; i++ {
					d[od+i*ds] = float32(float64(s[os+i*ss]-m) - ls)
				}
				continue
			}
			for i := range e {
				e[i] = math.Exp(float64(s[os+i*ss] - m))
				sum += e[i]
			}
			inv := 1 / sum
			for i, v := range e {
				d[od+i*ds] = float32(v * inv)
			}
		}
	})
}

// softmaxRow is Softmax on one contiguous row through package vec's
// kernels, with e as scratch. Log-softmax does the same arithmetic as the
// strided loop (differences to the maximum rounded to float32,
// exponentials and their sum in float64, one rounding at the end).
// Softmax stays in float32 lanes: exponentials within 2 ulp (vec.ExpSum32)
// summed in float64, times the float32 reciprocal of the sum; see the
// package doc for the bound.
func softmaxRow(d, s []float32, e []float64, log bool) {
	m := vec.Extreme(s, true)
	if !log {
		sum := vec.ExpSum32(d, s, m)
		vec.BinaryScalar(vec.Mul, d, d, float32(1/sum))
		return
	}
	sum := vec.ExpSum(e, s, m)
	vec.ShiftConvert(d, s, m, math.Log(sum))
}

// rowOffsets returns a function giving the element offset of row r of x,
// where rows enumerate the leading axes lead of x in row-major order.
func rowOffsets(x backend.Strided, lead []int) func(r int) int {
	return func(r int) int {
		off := x.Offset
		for ax := len(lead) - 1; ax >= 0 && r > 0; ax-- {
			off += (r % lead[ax]) * x.Strides[ax]
			r /= lead[ax]
		}
		return off
	}
}
