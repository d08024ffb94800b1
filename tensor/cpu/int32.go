package cpu

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/half"
)

// Int32 arithmetic is exact and wraps modulo 2³² (Go's int32 rules), as
// the backend contract asks.

// unaryInt is Unary on Int32 operands.
func unaryInt(op backend.UnaryOp, dst, src backend.Strided, alpha64, beta64 float64) {
	al, be := half.Int32(alpha64), half.Int32(beta64)
	b2i := func(c bool) int32 {
		if c {
			return 1
		}
		return 0
	}
	var f func(x int32) int32
	switch op {
	case backend.Neg:
		f = func(x int32) int32 { return -x }
	case backend.Abs:
		f = func(x int32) int32 {
			if x < 0 {
				return -x
			}
			return x
		}
	case backend.Relu:
		f = func(x int32) int32 { return max(x, 0) }
	case backend.AffineS:
		f = func(x int32) int32 { return x*al + be }
	case backend.RsubS:
		f = func(x int32) int32 { return al - x }
	case backend.MaxS:
		f = func(x int32) int32 { return max(x, al) }
	case backend.MinS:
		f = func(x int32) int32 { return min(x, al) }
	case backend.EqS:
		f = func(x int32) int32 { return b2i(x == al) }
	case backend.NeS:
		f = func(x int32) int32 { return b2i(x != al) }
	case backend.LtS:
		f = func(x int32) int32 { return b2i(x < al) }
	case backend.LeS:
		f = func(x int32) int32 { return b2i(x <= al) }
	case backend.GtS:
		f = func(x int32) int32 { return b2i(x > al) }
	case backend.GeS:
		f = func(x int32) int32 { return b2i(x >= al) }
	case backend.Square:
		f = func(x int32) int32 { return x * x }
	case backend.Sign:
		f = func(x int32) int32 { return b2i(x > 0) - b2i(x < 0) }
	default:
		panic(fmt.Sprintf("cpu: unary op %d on int32 operands (it takes float operands)", op))
	}
	d, s := ints(dst.Buf)[dst.Offset:], ints(src.Buf)[src.Offset:]
	it := newIter(dst.Shape, dst, src)
	sd, ss := it.inner(0), it.inner(1)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			d[off[0]+i*sd] = f(s[off[1]+i*ss])
		}
	})
}

// binaryInt is Binary on Int32 operands.
func binaryInt(op backend.BinaryOp, dst, a, b backend.Strided) {
	b2i := func(c bool) int32 {
		if c {
			return 1
		}
		return 0
	}
	var f func(x, y int32) int32
	switch op {
	case backend.Add:
		f = func(x, y int32) int32 { return x + y }
	case backend.Sub:
		f = func(x, y int32) int32 { return x - y }
	case backend.Mul:
		f = func(x, y int32) int32 { return x * y }
	case backend.Maximum:
		f = func(x, y int32) int32 { return max(x, y) }
	case backend.Minimum:
		f = func(x, y int32) int32 { return min(x, y) }
	case backend.Eq:
		f = func(x, y int32) int32 { return b2i(x == y) }
	case backend.Ne:
		f = func(x, y int32) int32 { return b2i(x != y) }
	case backend.Lt:
		f = func(x, y int32) int32 { return b2i(x < y) }
	case backend.Le:
		f = func(x, y int32) int32 { return b2i(x <= y) }
	case backend.Gt:
		f = func(x, y int32) int32 { return b2i(x > y) }
	case backend.Ge:
		f = func(x, y int32) int32 { return b2i(x >= y) }
	default:
		panic(fmt.Sprintf("cpu: binary op %d on int32 operands (it takes float operands)", op))
	}
	d, x, y := ints(dst.Buf)[dst.Offset:], ints(a.Buf)[a.Offset:], ints(b.Buf)[b.Offset:]
	it := newIter(dst.Shape, dst, a, b)
	sd, sa, sb := it.inner(0), it.inner(1), it.inner(2)
	it.run(func(_ int, off *[maxOps]int, n int) {
		for i := 0; i < n; i++ {
			d[off[0]+i*sd] = f(x[off[1]+i*sa], y[off[2]+i*sb])
		}
	})
}

// reduceGeneral is Reduce for ArgMax and ArgMin of any dtype (writing
// Int32 indices) and for Int32 sums and extrema: exact, one output at a
// time, the values read as float64 (exact for every dtype).
func reduceGeneral(op backend.ReduceOp, dst, src backend.Strided) {
	k := len(dst.Shape)
	load, store := loader(src), storer(dst)
	isInt := src.DType() == backend.Int32
	var si []int32
	if isInt {
		si = ints(src.Buf)
	}
	kept := backend.Strided{Shape: src.Shape[:k], Strides: src.Strides[:k]}
	out := newIter(dst.Shape, dst, kept)
	red := newIter(src.Shape[k:], backend.Strided{Shape: src.Shape[k:], Strides: src.Strides[k:]})
	sd, sk, sr := out.inner(0), out.inner(1), red.inner(0)
	if op == backend.Mean && isInt {
		panic("cpu: Mean of int32 operands (it takes float operands)")
	}
	block := func(base int) float64 {
		switch op {
		case backend.Sum:
			if isInt {
				var acc int32 // wraps, as the contract says
				red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
					for i := 0; i < n; i++ {
						acc += si[base+off[0]+i*sr]
					}
				})
				return float64(acc)
			}
			var acc float64
			red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
				for i := 0; i < n; i++ {
					acc += load(base + off[0] + i*sr)
				}
			})
			return acc
		case backend.Mean:
			var acc float64
			red.walk(0, red.size, func(_ int, off *[maxOps]int, n int) {
				for i := 0; i < n; i++ {
					acc += load(base + off[0] + i*sr)
				}
			})
			return acc / float64(red.size)
		case backend.Max, backend.Min, backend.ArgMax, backend.ArgMin:
			isMax := op == backend.Max || op == backend.ArgMax
			best, at, done := math.NaN(), 0, false
			red.walk(0, red.size, func(lin int, off *[maxOps]int, n int) {
				for i := 0; i < n && !done; i++ {
					v := load(base + off[0] + i*sr)
					switch {
					case v != v: // the first NaN wins, as in NumPy
						best, at, done = v, lin+i, true
					case lin+i == 0 || isMax && v > best || !isMax && v < best:
						best, at = v, lin+i
					}
				}
			})
			if op == backend.ArgMax || op == backend.ArgMin {
				return float64(at)
			}
			return best
		}
		panic("cpu: unknown reduce op")
	}
	if red.size == 0 {
		v := block(0)
		out.walk(0, out.size, func(_ int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				store(dst.Offset+off[0]+i*sd, v)
			}
		})
		return
	}
	parallelFor(out.size, max(1, parallelMin/max(red.size, 1)), func(lo, hi int) {
		out.walk(lo, hi, func(_ int, off *[maxOps]int, n int) {
			for i := 0; i < n; i++ {
				store(dst.Offset+off[0]+i*sd, block(src.Offset+off[1]+i*sk))
			}
		})
	})
}
