package vulkan

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// TestParityDTypes runs the ops on Float16, BFloat16 and Int32 operands
// against the CPU backend: conversions, Copy, Fill, Arange, Gather, Where
// and every Int32 op bit for bit; 16-bit elementwise ops within one unit in
// the last place of the dtype (both compute in float32 and round once, and
// the float32 results may differ by the few float32 ulp of the parity
// tolerances); reductions, softmax and matrix products within the float32
// bounds plus one 16-bit ulp.
func TestParityDTypes(t *testing.T) {
	vk := vkBackend(t)
	if !vk.info.Storage16Bit {
		t.Skip("the device has no 16-bit storage")
	}
	ref := cpu.New()
	r := rand.New(rand.NewSource(3))
	for _, c := range dtypeCases() {
		t.Run(c.name, func(t *testing.T) {
			checkCase(t, c, ref, vk, r)
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

var (
	f16, bf16, i32, f32 = backend.Float16, backend.BFloat16, backend.Int32, backend.Float32
	halfTypes           = []backend.DType{backend.Float16, backend.BFloat16}
	allTypes            = []backend.DType{backend.Float32, backend.Float16, backend.BFloat16, backend.Int32}
)

// anyInt draws int32s of every magnitude (overflowing sums and products
// wrap), with the extremes now and then.
func anyInt(r *rand.Rand) int32 {
	switch r.Intn(8) {
	case 0:
		return math.MinInt32
	case 1:
		return math.MaxInt32
	case 2:
		return int32(r.Intn(7) - 3)
	}
	return int32(r.Uint32()) >> uint(r.Intn(31))
}

func smallInt(r *rand.Rand) int32 { return int32(r.Intn(7) - 3) }

// wideRange draws float32s across the float16 and bfloat16 ranges: ties of
// both roundings, values past float16's largest finite, float16
// subnormals and below, integers past 2^24, and NaN and ±Inf.
func wideRange(r *rand.Rand) float32 {
	switch r.Intn(8) {
	case 0:
		return anyBits(r)
	case 1:
		return float32(r.Intn(1<<12)) / (1 << 11) * 65504 // about the float16 overflow
	case 2:
		return float32(r.NormFloat64()) * 1e-6 // float16 subnormals
	case 3:
		return float32(r.Int63n(1<<40) - 1<<39)
	case 4: // ties: a 16-bit value plus half its ulp
		return math.Float32frombits(r.Uint32()&0xffff0000 | 0x8000)
	case 5:
		return math.Float32frombits(r.Uint32()&0xffffe000 | 0x1000)
	}
	return float32(r.NormFloat64() * 100)
}

func repeat(dt backend.DType, n int) []backend.DType {
	d := make([]backend.DType, n)
	for i := range d {
		d[i] = dt
	}
	return d
}

// intUnary and intBinary are the ops that take Int32 operands.
var (
	intUnary = []backend.UnaryOp{backend.Neg, backend.Abs, backend.Relu, backend.AffineS, backend.RsubS,
		backend.MaxS, backend.MinS, backend.EqS, backend.NeS, backend.LtS, backend.LeS, backend.GtS, backend.GeS,
		backend.Square, backend.Sign}
	intBinary = []backend.BinaryOp{backend.Add, backend.Sub, backend.Mul, backend.Maximum, backend.Minimum,
		backend.Eq, backend.Ne, backend.Lt, backend.Le, backend.Gt, backend.Ge}
)

func dtypeCases() []pcase {
	var cs []pcase
	// conversions: Copy between every pair of dtypes, strided and dense
	// (a dense copy within one dtype is a buffer copy, at odd 16-bit
	// offsets too)
	for _, sd := range allTypes {
		for _, dd := range allTypes {
			for _, c := range []struct {
				sh     []int
				dl, sl int
			}{{[]int{1031}, dense, dense}, {[]int{7, 33}, stepped, transposed}, {[]int{65}, shifted, shifted}, {[]int{}, dense, dense}, {[]int{0, 3}, dense, dense}} {
				cs = append(cs, pcase{
					name: fmt.Sprintf("copy/%v-%v/%v/%d-%d", sd, dd, c.sh, c.dl, c.sl),
					ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, wideRange}},
					run:  func(b backend.Backend, o []backend.Strided) { b.Copy(o[0], o[1]) },
					dts:  []backend.DType{dd, sd}, igen: []func(*rand.Rand) int32{nil, anyInt}, exact: true,
				})
			}
		}
	}
	for _, dt := range allTypes {
		for _, v := range []float64{-2.5, 3.7, 1e10, math.NaN(), 65519.99, -65520, 1 + 1.0/512, 3e-8} {
			for _, lay := range []int{dense, shifted, stepped} {
				cs = append(cs, pcase{
					name: fmt.Sprintf("fill/%v/%v/%d", dt, v, lay),
					ops:  []opnd{{[]int{7, 33}, lay, nil}},
					run:  func(b backend.Backend, o []backend.Strided) { b.Fill(o[0], v) },
					dts:  []backend.DType{dt}, exact: true,
				})
			}
		}
		if dt == f32 {
			continue
		}
		for _, a := range [][2]float64{{0.5, 0.1}, {-3, 1}, {1e6, -0.3}, {2047, 0.5}, {1 << 24, 3}} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("arange/%v/%v", dt, a),
				ops:  []opnd{{[]int{33, 7}, stepped, nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Arange(o[0], a[0], a[1]) },
				dts:  []backend.DType{dt}, exact: true,
			})
		}
	}
	// gather and scatter: data of every dtype, indices Int32 and Float32
	for _, dt := range allTypes {
		for _, it := range []backend.DType{i32, f32} {
			for axis := 0; axis < 3; axis++ {
				src := []int{5, 9, 3}
				dst := []int{5, 9, 3}
				dst[axis] = 4
				n := src[axis]
				idx := func(r *rand.Rand) float32 { return float32(r.Intn(2*n) - n) }
				cs = append(cs, pcase{
					name: fmt.Sprintf("gather/%v/%v/axis%d", dt, it, axis),
					ops:  []opnd{{dst, stepped, nil}, {src, transposed, wideRange}, {dst, dense, idx}},
					run:  func(b backend.Backend, o []backend.Strided) { b.Gather(o[0], o[1], o[2], axis) },
					dts:  []backend.DType{dt, dt, it}, igen: []func(*rand.Rand) int32{nil, anyInt}, exact: true,
				})
				m := dst[axis]
				sidx := func(r *rand.Rand) float32 { return float32(r.Intn(2*m) - m) }
				cs = append(cs, pcase{
					name: fmt.Sprintf("scatter/%v/%v/axis%d", dt, it, axis),
					ops:  []opnd{{dst, stepped, nil}, {src, transposed, nil}, {src, dense, sidx}},
					run:  func(b backend.Backend, o []backend.Strided) { b.ScatterAdd(o[0], o[1], o[2], axis) },
					dts:  []backend.DType{dt, dt, it}, igen: []func(*rand.Rand) int32{anyInt, anyInt},
					rel: 1e-5, abs: 1e-5, ulps: 1,
				})
			}
		}
	}
	// where: every condition dtype, values of every dtype
	for _, dt := range allTypes {
		for _, ct := range allTypes {
			cs = append(cs, pcase{
				name: fmt.Sprintf("where/%v/cond-%v", dt, ct),
				ops:  []opnd{{[]int{7, 1, 33}, stepped, nil}, {[]int{7, 1, 33}, broadcast, small}, {[]int{7, 1, 33}, transposed, wideRange}, {[]int{7, 1, 33}, dense, wideRange}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Where(o[0], o[1], o[2], o[3]) },
				dts:  []backend.DType{dt, ct, dt, dt}, igen: []func(*rand.Rand) int32{nil, nil, anyInt, anyInt}, exact: true,
			})
		}
	}
	cs = append(cs, halfCases()...)
	cs = append(cs, intCases()...)
	cs = append(cs, halfSpecials()...)
	cs = append(cs, pairCases()...)
	return cs
}

// pairCases cover LAYOUT 2 of the 16-bit builds (two elements per
// invocation): even and odd lengths, a broadcast scalar source, copies
// that keep the bits (of NaNs too) and ones between the 16-bit dtypes.
func pairCases() []pcase {
	var cs []pcase
	scalar := func(s backend.Strided, n int) backend.Strided { return view(s, []int{n}, []int{0}) }
	for _, dt := range halfTypes {
		for _, n := range []int{1, 2, 1030, 1031} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("pairs/%v/%d/add-scalar", dt, n),
				ops:  []opnd{{[]int{n}, dense, nil}, {[]int{n}, dense, wide}, {[]int{1}, dense, wide}},
				run: func(b backend.Backend, o []backend.Strided) {
					b.Binary(backend.Add, o[0], o[1], scalar(o[2], n))
				},
				dts: repeat(dt, 3), rel: relEW, abs: absEW, ulps: 1,
			}, pcase{
				name: fmt.Sprintf("pairs/%v/%d/scalar-sub", dt, n),
				ops:  []opnd{{[]int{n}, dense, nil}, {[]int{1}, dense, wide}, {[]int{n}, dense, wide}},
				run: func(b backend.Backend, o []backend.Strided) {
					b.Binary(backend.Sub, o[0], scalar(o[1], n), o[2])
				},
				dts: repeat(dt, 3), rel: relEW, abs: absEW, ulps: 1,
			}, pcase{
				name: fmt.Sprintf("pairs/%v/%d/copy-scalar", dt, n),
				ops:  []opnd{{[]int{n}, dense, nil}, {[]int{1}, dense, anyBits}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Copy(o[0], scalar(o[1], n)) },
				dts:  repeat(dt, 2), exact: true,
			}, pcase{
				name: fmt.Sprintf("pairs/%v/%d/exp-scalar", dt, n),
				ops:  []opnd{{[]int{n}, dense, nil}, {[]int{1}, dense, normal}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Unary(backend.Exp, o[0], scalar(o[1], n), 0, 0) },
				dts:  repeat(dt, 2), rel: relEW, abs: absEW, ulps: 1,
			})
			other := bf16
			if dt == bf16 {
				other = f16
			}
			cs = append(cs, pcase{
				name: fmt.Sprintf("pairs/%v-%v/%d/copy", other, dt, n),
				ops:  []opnd{{[]int{n}, dense, nil}, {[]int{n}, dense, wideRange}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Copy(o[0], o[1]) },
				dts:  []backend.DType{dt, other}, exact: true,
			})
		}
	}
	return cs
}

// halfSpecials runs the 16-bit elementwise ops with NaN and ±Inf among
// their operands: both backends must give the same NaNs and infinities.
func halfSpecials() []pcase {
	var cs []pcase
	for _, dt := range halfTypes {
		for op := backend.UnaryOp(0); int(op) < backend.NumUnary; op++ {
			abs := absEW
			if op == backend.Gelu || op == backend.Log {
				abs = 1e-12
			}
			cs = append(cs, pcase{
				name: fmt.Sprintf("specials/unary/%v/%d", dt, op),
				ops:  []opnd{{[]int{257}, dense, nil}, {[]int{257}, dense, denseSpecials}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Unary(op, o[0], o[1], 0.75, -0.5) },
				dts:  repeat(dt, 2), rel: relPow, abs: abs, ulps: 1, exact: exactUnary(op),
			})
		}
		for op := backend.BinaryOp(0); int(op) < backend.NumBinary; op++ {
			cs = append(cs, pcase{
				name: fmt.Sprintf("specials/binary/%v/%d", dt, op),
				ops:  []opnd{{[]int{7, 33}, dense, nil}, {[]int{7, 33}, transposed, denseSpecials}, {[]int{7, 33}, broadcast, denseSpecials}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Binary(op, o[0], o[1], o[2]) },
				dts:  repeat(dt, 3), rel: relPow, abs: absEW, ulps: 1,
			})
		}
	}
	return cs
}

// halfCases are the arithmetic ops on 16-bit operands.
func halfCases() []pcase {
	var cs []pcase
	for _, dt := range halfTypes {
		for op := backend.UnaryOp(0); int(op) < backend.NumUnary; op++ {
			gen := wide
			switch op {
			case backend.Log, backend.Sqrt, backend.Rsqrt, backend.PowS:
				gen = positive
			case backend.EqS, backend.NeS, backend.LtS, backend.LeS, backend.GtS, backend.GeS, backend.Sign:
				gen = small
			case backend.Exp:
				gen = normal
			case backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
				gen = wideRange
			}
			alpha, beta := 0.75, -0.5
			if op >= backend.EqS && op <= backend.GeS {
				alpha = 0
			}
			if op == backend.PowS {
				alpha = 2.5
			}
			abs := absEW
			if op == backend.Gelu || op == backend.Log {
				abs = 1e-12 // as in unaryCase: the cpu's Gelu cancels for x < -7
			}
			for _, c := range []struct {
				sh     []int
				dl, sl int
			}{{[]int{1031}, dense, dense}, {[]int{7, 33}, shifted, transposed}, {[]int{5, 1, 3}, stepped, broadcast}, {[]int{}, dense, dense}} {
				cs = append(cs, pcase{
					name: fmt.Sprintf("unary/%v/%d/%v/%d-%d", dt, op, c.sh, c.dl, c.sl),
					ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, gen}},
					run: func(b backend.Backend, o []backend.Strided) {
						b.Unary(op, o[0], o[1], alpha, beta)
					},
					dts: repeat(dt, 2), rel: relPow, abs: abs, ulps: 1, exact: exactUnary(op),
				})
			}
		}
		for op := backend.BinaryOp(0); int(op) < backend.NumBinary; op++ {
			ga, gb := wide, wide
			if op >= backend.Eq {
				ga, gb = small, small
			}
			if op == backend.Pow {
				ga = positive
				gb = func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 2) }
			}
			for i, sh := range [][]int{{33, 31}, {1030}, {7, 1, 33}} {
				lays := [][3]int{{dense, dense, broadcast}, {shifted, dense, dense}, {stepped, transposed, broadcast}}
				l := lays[i]
				cs = append(cs, pcase{
					name: fmt.Sprintf("binary/%v/%d/%v/%v", dt, op, sh, l),
					ops:  []opnd{{sh, l[0], nil}, {sh, l[1], ga}, {sh, l[2], gb}},
					run:  func(b backend.Backend, o []backend.Strided) { b.Binary(op, o[0], o[1], o[2]) },
					dts:  repeat(dt, 3), rel: relPow, abs: absEW, ulps: 1,
				})
			}
		}
		for _, d := range []backend.Dist{backend.Uniform, backend.Normal} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("random/%v/%d", dt, d),
				ops:  []opnd{{[]int{33, 17}, stepped, nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Random(o[0], d, 0x1234567890ab, 77, 0.5, 2) },
				dts:  []backend.DType{dt}, rel: relEW, abs: 1e-6, ulps: 1,
			})
		}
		for op := backend.ReduceOp(0); int(op) < backend.NumReduce; op++ {
			for _, c := range []struct {
				src    []int
				nd, sl int
			}{{[]int{7, 257}, 1, dense}, {[]int{33, 7, 5}, 1, transposed}, {[]int{1031}, 0, shifted}, {[]int{70, 300}, 1, transposed}, {[]int{3, 0}, 1, dense}} {
				if c.src[len(c.src)-1] == 0 && op >= backend.Max {
					continue // callers never reduce no elements with these
				}
				rel, norm := 0.0, 0.0
				var bound func([][]float32, []backend.Strided) float64
				if op == backend.Sum || op == backend.Mean {
					rel, norm, bound = 1e-6, 2, sumBound
					if op == backend.Mean {
						norm = 2.0 / float64(max(1, sizeOf(c.src[c.nd:])))
					}
				}
				dts := []backend.DType{dt, dt}
				if isArg(op) {
					dts[0] = i32
				}
				// each case also with 3 chunks (float32 partials, a
				// second pass) and with shared-memory trees
				for _, kind := range []string{"", "/3 chunks", "/tree"} {
					cs = append(cs, pcase{
						name: fmt.Sprintf("reduce/%v/%d/%v/%d%s", dt, op, c.src, c.sl, kind),
						ops:  []opnd{{c.src[:c.nd], stepped, nil}, {c.src, c.sl, wide}},
						run: func(b backend.Backend, o []backend.Strided) {
							if vk, ok := b.(*Backend); ok {
								switch kind {
								case "/3 chunks":
									forceChunks = 3
									defer func() { forceChunks = 0 }()
								case "/tree":
									sg := vk.info.SubgroupArithmetic
									vk.info.SubgroupArithmetic = false
									defer func() { vk.info.SubgroupArithmetic = sg }()
								}
							}
							b.Reduce(op, o[0], o[1])
						},
						rel: rel, norm: norm, bound: bound, dts: dts, ulps: 1,
					})
				}
			}
		}
		for _, lg := range []bool{false, true} {
			for _, c := range []struct {
				sh     []int
				dl, sl int
			}{{[]int{33, 257}, dense, dense}, {[]int{5}, stepped, transposed}, {[]int{3, 300}, stepped, transposed}, {[]int{2, 9000}, shifted, dense}} {
				// rows held in registers (with and without subgroup
				// operations), looped over (two-pass) and cut into chunks
				for _, kind := range []string{"", "/tree", "/two-pass"} {
					cs = append(cs, pcase{
						name: fmt.Sprintf("softmax/%v/%v/%v%s", dt, lg, c.sh, kind),
						ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, wide}},
						run: func(b backend.Backend, o []backend.Strided) {
							if vk, ok := b.(*Backend); ok {
								switch kind {
								case "/tree":
									sg := vk.info.SubgroupArithmetic
									vk.info.SubgroupArithmetic = false
									defer func() { vk.info.SubgroupArithmetic = sg }()
								case "/two-pass":
									old := softmaxMaxCache
									softmaxMaxCache = 0
									defer func() { softmaxMaxCache = old }()
								}
							}
							b.Softmax(o[0], o[1], lg)
						},
						rel: 1e-5, abs: 1e-7, norm: 4, bound: maxAbsBound, dts: repeat(dt, 2), ulps: 1,
					})
				}
			}
		}
		// every tiling (-1: chosen by shape), split-K, full tiles, both
		// scalar load orders of A and B, strided and dense D
		for _, c := range []struct {
			M, N, K        int
			la, lb, ld     int
			acc            bool
			variant, split int
		}{{1, 1, 1, dense, dense, dense, false, -1, 0}, {7, 33, 65, transposed, dense, stepped, true, -1, 0},
			{33, 7, 257, dense, transposed, dense, false, 0, 3}, {64, 68, 36, transposed, transposed, shifted, true, 1, 0},
			{128, 128, 64, dense, dense, dense, false, 2, 0}, {130, 132, 68, dense, transposed, dense, true, 2, 2},
			{32, 32, 64, shifted, dense, dense, false, 0, 2}} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("matmul/%v/%dx%dx%d/%d%d%d/acc=%v/v%d/s%d", dt, c.M, c.N, c.K, c.la, c.lb, c.ld, c.acc, c.variant, c.split),
				ops:  []opnd{{[]int{c.M, c.N}, c.ld, nil}, {[]int{c.M, c.K}, c.la, nil}, {[]int{c.K, c.N}, c.lb, nil}},
				run: func(b backend.Backend, o []backend.Strided) {
					if v, ok := b.(*Backend); ok {
						v.forceVariant, v.forceSplits = forcedTiling(c.variant), c.split
						defer func() { v.forceVariant, v.forceSplits = nil, 0 }()
					}
					b.MatMul(o[0], o[1], o[2], c.acc)
				},
				rel: 1e-6, norm: 2, bound: mmBound, dts: repeat(dt, 3), ulps: 1,
			})
		}
		// a batch with B broadcast
		cs = append(cs, pcase{
			name: fmt.Sprintf("matmul/%v/batch", dt),
			ops:  []opnd{{[]int{3, 7, 33}, dense, nil}, {[]int{3, 7, 65}, stepped, nil}, {[]int{3, 65, 33}, dense, nil}},
			run: func(b backend.Backend, o []backend.Strided) {
				o[2].Strides[0] = 0
				b.MatMul(o[0], o[1], o[2], false)
			},
			rel: 1e-6, norm: 2, bound: mmBound, dts: repeat(dt, 3), ulps: 1,
		})
		// MatMulBias with ReLU: the reference composes it; the CPU rounds
		// the product before adding the bias, the device does not, hence
		// two ulps
		for _, split := range []int{0, 2} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("matmulbias/%v/s%d", dt, split),
				ops:  []opnd{{[]int{33, 36}, stepped, nil}, {[]int{33, 40}, dense, nil}, {[]int{40, 36}, dense, nil}, {[]int{36}, stepped, nil}},
				run: func(b backend.Backend, o []backend.Strided) {
					if v, ok := b.(*Backend); ok {
						v.forceSplits = split
						defer func() { v.forceSplits = 0 }()
						v.MatMulBias(o[0], o[1], o[2], o[3], true)
						return
					}
					b.MatMul(o[0], o[1], o[2], false)
					bb := backend.Strided{Buf: o[3].Buf, Offset: o[3].Offset, Shape: []int{33, 36}, Strides: []int{0, o[3].Strides[0]}}
					b.Binary(backend.Add, o[0], o[0], bb)
					b.Unary(backend.Relu, o[0], o[0], 0, 0)
				},
				rel: 1e-6, norm: 2, bound: mmBound, dts: repeat(dt, 4), ulps: 2,
			})
		}
		for _, c := range []struct{ n, ch, h, w, k, s, p int }{{2, 3, 7, 9, 3, 1, 1}, {1, 2, 33, 7, 5, 2, 2}} {
			ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
			img, cols := []int{c.n, c.ch, c.h, c.w}, []int{c.n, c.ch, c.k * c.k, ho, wo}
			cs = append(cs, pcase{
				name: fmt.Sprintf("im2col/%v/%v/k%d-s%d-p%d", dt, img, c.k, c.s, c.p),
				ops:  []opnd{{cols, dense, nil}, {img, transposed, wideRange}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Im2Col(o[0], o[1], c.k, c.s, c.p) },
				dts:  repeat(dt, 2), exact: true,
			}, pcase{
				name: fmt.Sprintf("col2im/%v/%v/k%d-s%d-p%d", dt, img, c.k, c.s, c.p),
				ops:  []opnd{{img, stepped, nil}, {cols, transposed, nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Col2Im(o[0], o[1], c.k, c.s, c.p) },
				dts:  repeat(dt, 2), rel: 1e-5, abs: 1e-6, ulps: 1,
			})
		}
	}
	return cs
}

// intCases are the Int32 ops: exact and wrapping.
func intCases() []pcase {
	var cs []pcase
	for _, op := range intUnary {
		for _, g := range []func(*rand.Rand) int32{anyInt, smallInt} {
			alpha, beta := 3.0, -7.0
			if op >= backend.EqS && op <= backend.GeS {
				alpha = 0
			}
			for _, c := range []struct {
				sh     []int
				dl, sl int
			}{{[]int{1031}, dense, dense}, {[]int{7, 33}, shifted, transposed}, {[]int{}, dense, dense}} {
				cs = append(cs, pcase{
					name: fmt.Sprintf("unary/int32/%d/%v/%d-%d", op, c.sh, c.dl, c.sl),
					ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, nil}},
					run: func(b backend.Backend, o []backend.Strided) {
						b.Unary(op, o[0], o[1], alpha, beta)
					},
					dts: repeat(i32, 2), igen: []func(*rand.Rand) int32{nil, g},
				})
			}
		}
	}
	for _, op := range intBinary {
		g := anyInt
		if op >= backend.Eq {
			g = smallInt
		}
		for i, sh := range [][]int{{33, 31}, {1030}, {7, 1, 33}} {
			lays := [][3]int{{dense, dense, broadcast}, {shifted, dense, dense}, {stepped, transposed, broadcast}}
			l := lays[i]
			cs = append(cs, pcase{
				name: fmt.Sprintf("binary/int32/%d/%v/%v", op, sh, l),
				ops:  []opnd{{sh, l[0], nil}, {sh, l[1], nil}, {sh, l[2], nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Binary(op, o[0], o[1], o[2]) },
				dts:  repeat(i32, 3), igen: []func(*rand.Rand) int32{nil, g, g},
			})
		}
	}
	for op := backend.ReduceOp(0); int(op) < backend.NumReduce; op++ {
		if op == backend.Mean {
			continue
		}
		for _, g := range []func(*rand.Rand) int32{anyInt, smallInt} {
			for _, c := range []struct {
				src    []int
				nd, sl int
			}{{[]int{7, 257}, 1, dense}, {[]int{33, 7, 5}, 1, transposed}, {[]int{1031}, 0, shifted}, {[]int{70, 300}, 1, transposed}, {[]int{5, 1100}, 1, broadcast}, {[]int{3, 0}, 1, dense}} {
				if c.src[len(c.src)-1] == 0 && op != backend.Sum {
					continue
				}
				for _, chunks := range []int{0, 3} {
					cs = append(cs, pcase{
						name: fmt.Sprintf("reduce/int32/%d/%v/%d/chunks%d", op, c.src, c.sl, chunks),
						ops:  []opnd{{c.src[:c.nd], stepped, nil}, {c.src, c.sl, nil}},
						run: func(b backend.Backend, o []backend.Strided) {
							if _, ok := b.(*Backend); ok && chunks > 0 {
								forceChunks = chunks
								defer func() { forceChunks = 0 }()
							}
							b.Reduce(op, o[0], o[1])
						},
						dts: repeat(i32, 2), igen: []func(*rand.Rand) int32{nil, g},
					})
				}
			}
		}
	}
	return cs
}

// TestInt32Index checks that an out-of-range Int32 index reaches the
// result of Gather and ScatterAdd as an *IndexError naming it.
func TestInt32Index(t *testing.T) {
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	src := upload(t, vk, []float32{1, 2, 3}, 3)
	ib, err := vk.Alloc(backend.Int32, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Free(ib)
	if err := vk.Write(ib, 0, []byte{1, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff}); err != nil { // 1, -7
		t.Fatal(err)
	}
	idx := backend.Strided{Buf: ib, Shape: []int{2}, Strides: []int{1}}
	dst := fresh(t, vk, 2)
	vk.Gather(dst, src, idx, 0)
	if err := vk.Sync(); err != nil {
		t.Fatal(err)
	}
	var ie *backend.IndexError
	if err := dst.Buf.Err(); !errors.As(err, &ie) || ie.Index != -7 || ie.Size != 3 || ie.Op != "Gather" {
		t.Errorf("Gather with int32 index -7 into 3: Err() = %v", err)
	}
	checkValidation(t, vk, nv)
}

// TestAllocDTypes checks buffer sizes per dtype and the refusal of 16-bit
// buffers on a device without 16-bit storage.
func TestAllocDTypes(t *testing.T) {
	vk := vkBackend(t)
	for _, dt := range allTypes {
		buf, err := vk.Alloc(dt, 3)
		if err != nil {
			t.Fatalf("Alloc(%v, 3): %v", dt, err)
		}
		if buf.DType() != dt || buf.Len() != 3 {
			t.Errorf("Alloc(%v, 3) gave a %v buffer of %d", dt, buf.DType(), buf.Len())
		}
		if err := vk.Write(buf, 0, make([]byte, 3*dt.Size()+1)); err == nil {
			t.Errorf("Write of a partial %v element succeeded", dt)
		}
		vk.Free(buf)
	}
	// a backend that believes its device has no 16-bit storage
	b := &Backend{dev: vk.dev, info: vk.info, pipes: map[pipeKey]*gpu.Pipeline{}}
	b.info.Storage16Bit = false
	for _, dt := range halfTypes {
		if _, err := b.Alloc(dt, 4); !errors.Is(err, ErrNo16BitStorage) || !strings.Contains(err.Error(), "storageBuffer16BitAccess") {
			t.Errorf("Alloc(%v) without 16-bit storage: %v", dt, err)
		}
	}
	if buf, err := b.Alloc(i32, 4); err != nil {
		t.Errorf("Alloc(int32) without 16-bit storage: %v", err)
	} else {
		b.Free(buf)
	}
}

// TestHalfReadWriteOffsets writes and reads 16-bit elements at odd element
// offsets (byte offsets that are not multiples of 4), contiguous and
// strided.
func TestHalfReadWriteOffsets(t *testing.T) {
	vk := vkBackend(t)
	if !vk.info.Storage16Bit {
		t.Skip("the device has no 16-bit storage")
	}
	nv := len(vk.Device().ValidationMessages())
	buf, err := vk.Alloc(f16, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Free(buf)
	vk.Fill(backend.Strided{Buf: buf, Shape: []int{7}, Strides: []int{1}}, 0)
	// elements 1, 2, 3 = 0x3c00 (1), 0x4000 (2), 0xc200 (-3)
	if err := vk.Write(buf, 1, []byte{0x00, 0x3c, 0x00, 0x40, 0x00, 0xc2}); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if err := vk.Read(got, backend.Strided{Buf: buf, Offset: 1, Shape: []int{3}, Strides: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x00, 0x3c, 0x00, 0x40, 0x00, 0xc2}; string(got) != string(want) {
		t.Errorf("contiguous read at element 1: % x, want % x", got, want)
	}
	got = make([]byte, 4)
	if err := vk.Read(got, backend.Strided{Buf: buf, Offset: 1, Shape: []int{2}, Strides: []int{2}}); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x00, 0x3c, 0x00, 0xc2}; string(got) != string(want) {
		t.Errorf("strided read of elements 1 and 3: % x, want % x", got, want)
	}
	checkValidation(t, vk, nv)
}
