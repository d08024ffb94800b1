// Package backend defines the contract between the tensor API and the
// engines that store and compute tensors: the pure-Go CPU backend
// (package cpu) and the Vulkan backend (package vulkan).
//
// A backend knows nothing about broadcasting, views or autograd. The tensor
// package resolves all of that and hands each op fully described operands:
//
//   - Every operand is a Strided: a buffer, an element offset, a shape and
//     per-axis strides in elements. Strides may be zero (a broadcast axis) or
//     any positive value (a transposed or sliced view). Negative strides do not
//     occur.
//   - Elementwise ops receive operands that already have the destination's
//     shape; broadcasting has been turned into zero strides.
//   - The destination of an op never overlaps its sources, except for
//     elementwise ops (Unary, Binary, Where, Copy) whose destination may be
//     identical to a source (same buffer, offset, shape and strides).
//   - Destinations are written, never read, except by MatMul with accumulate
//     and by ScatterAdd, which add into them.
//   - Index operands (Gather, ScatterAdd, the targets of the Fused
//     cross-entropy) are Int32, or Float32 holding integer values (the
//     older form, still accepted), under one rule: for an axis of size
//     n, an integer i with −n ≤ i < n names position i, or n+i when i is
//     negative (NumPy's rule); any other value (out of range, not an
//     integer, NaN, ±Inf) is an error of the op, an *IndexError that names
//     the op, the index, the axis and its size. A backend resolves negative
//     indices itself and never reads or writes outside an operand whatever
//     the indices hold: it skips the access of a bad index (the affected
//     destination elements are unspecified) and the op's destination
//     carries the *IndexError (see Errors). The tensor package checks
//     indices before the op where they are on the host already (the CPU
//     backend) and panics there, so a CPU backend never sees a bad one.
//
// Element types. Every buffer holds elements of one DType, fixed at Alloc;
// a Strided's dtype is its buffer's. Which dtypes each op receives:
//
//	op                          operands
//	Copy                        any dtype to any dtype (the conversion below)
//	Fill, Arange                any dtype
//	Random                      Float32, Float16, BFloat16
//	Unary, Binary               one dtype for all operands: any float dtype;
//	                            Int32 for the ops marked "int" below
//	Where                       dst, a, b of one dtype (any); cond of any dtype
//	Reduce Sum, Max, Min        src and dst of one dtype (any)
//	Reduce Mean                 src and dst of one float dtype
//	Reduce ArgMax, ArgMin       src of any dtype, dst Int32
//	Softmax, MatMul,            all operands of one float dtype
//	Im2Col, Col2Im, Convolver,
//	Attentioner
//	Gather, ScatterAdd          dst and src of one dtype (any), idx Int32 or Float32
//	Fused, LayerNormer,         Float32 (index operands Int32 or Float32); the
//	PreciseMatMul               tensor package converts around them, or composes
//	                            the op, for other dtypes
//
// Arithmetic on Float16 and BFloat16 operands happens in float32 (or
// wider) registers, and each result is rounded once to the destination's
// dtype when stored: a 16-bit op gives the float32 op's result on the
// widened inputs, rounded (reductions and matrix products accumulate in at
// least float32 and round once at the end). Int32 arithmetic is exact and
// wraps modulo 2³² on overflow, as Go's int32 does (a Sum too).
//
// Conversions (Copy between dtypes, Fill, Arange): to a float dtype, round to nearest, ties to even, NaN staying
// NaN and values beyond the largest finite float16 becoming ±Inf; to
// Int32, toward zero, saturating at the int32 range, NaN giving 0; from
// Int32 or a 16-bit float to a wider type, exactly. Package
// tensor/internal/half implements them, and every backend produces the
// same bits.
//
// Errors. Ops do not return errors. A failure that belongs to one op (an
// operand too large for the kernel, out of memory for a scratch buffer, a
// kernel that does not build, an invalid dispatch, an index the device
// found bad) is carried by that op's destination buffer: its Err reports it
// once the backend knows it (a failure found while recording at once, one
// found by the device after the Read or Sync that waited for the work), and
// every buffer later computed from it reports it too (an op reading a
// buffer that carries an error, or may still turn out to, passes it on to
// its destination), while the backend stays usable for unrelated work.
// Read of a buffer that carries an error returns it. Only a failure of the
// device itself (device lost) is sticky: Read and Sync return it from then
// on. Alloc and Write report their failures directly, so that callers can
// fall back.
//
// Concurrency. A backend is safe for concurrent use by several goroutines:
// ops, Alloc, Free (which a garbage-collector cleanup may call at any time),
// Read, Sync and Buffer.Err may be called at once from any goroutine, and
// each call is atomic with respect to the others (Read and Sync may let
// other calls proceed while they wait for the device). Ops recorded by one
// goroutine run in the order it recorded them; ops of different goroutines
// are ordered only as their calls were, so a goroutine must not use a
// buffer another goroutine is still writing without synchronizing with it
// first (as with any Go value). A Sync waits for the work that every
// goroutine recorded before it.
//
// Ops may run asynchronously: a backend is free to queue work and run it when
// a result is read. Read and Sync order all queued work before them.
package backend

import (
	"fmt"
	"math"
	"strconv"
)

// IndexError is the failure of an op given an index that is not an
// integer in [−Size, Size) for its axis (see the index rule above). On a
// GPU the result tensor of the op carries it once the device has checked.
type IndexError struct {
	Op    string  // the backend op, e.g. "Gather"
	Index float64 // the bad index (one of them when there are several)
	Axis  int     // the indexed axis of the operand
	Size  int     // the size of that axis
}

// Error says what is wrong with the index, e.g. "Gather: index 7 is out of
// range for axis 1 of size 5".
func (e *IndexError) Error() string {
	return fmt.Sprintf("%s: index %s for axis %d of size %d", e.Op, IndexProblem(e.Index, e.Size), e.Axis, e.Size)
}

// IndexProblem describes what is wrong with index v for an axis of size n
// ("7 is out of range", "1.5 is not an integer"), or returns "" when v is
// a valid index. The tensor package's panics use the same words.
func IndexProblem(v float64, n int) string {
	f := v
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		return fmt.Sprint(v, " is not an integer")
	case f < -float64(n) || f >= float64(n):
		return fmt.Sprint(v, " is out of range")
	}
	return ""
}

// DType is the element type of a buffer.
type DType uint8

const (
	Float32  DType = iota // IEEE 754 binary32
	Float16               // IEEE 754 binary16: 5 exponent bits, 10 significand bits
	BFloat16              // bfloat16: the upper 16 bits of a float32 (8 exponent bits, 7 significand bits)
	Int32                 // two's complement 32-bit integer
	numDType
)

// NumDType is the number of DType values, for tables indexed by dtype.
const NumDType = int(numDType)

// Size is the number of bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float16, BFloat16:
		return 2
	}
	return 4
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool { return d != Int32 }

// Valid reports whether d is one of the DType constants.
func (d DType) Valid() bool { return d < numDType }

// String names the type as PyTorch does: "float32", "float16", "bfloat16",
// "int32".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float16:
		return "float16"
	case BFloat16:
		return "bfloat16"
	case Int32:
		return "int32"
	}
	return "DType(" + strconv.Itoa(int(d)) + ")"
}

// Buffer is storage for a number of elements of one DType, owned by one
// backend.
type Buffer interface {
	// DType is the type of the buffer's elements.
	DType() DType
	// Len is the number of elements the buffer holds.
	Len() int
	// Err returns the failure of an op that wrote the buffer, or of an op
	// whose result it was computed from, once the backend knows it (a
	// failure found by the device is known after the work ran: after a
	// Read or Sync that waited for it); nil otherwise.
	Err() error
}

// Strided describes the elements of Buf an op reads or writes: element
// (i0, i1, ..., in) lives at Buf[Offset + i0*Strides[0] + ... + in*Strides[n]].
// A rank-0 Strided (empty Shape) is a single element at Offset.
type Strided struct {
	Buf     Buffer
	Offset  int
	Shape   []int
	Strides []int
}

// DType is the element type of s: its buffer's.
func (s Strided) DType() DType { return s.Buf.DType() }

// Size is the number of elements described by s (the product of its shape).
func (s Strided) Size() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// Contiguous reports whether s covers Size() consecutive elements in
// row-major order starting at Offset.
func (s Strided) Contiguous() bool {
	want := 1
	for i := len(s.Shape) - 1; i >= 0; i-- {
		if s.Shape[i] != 1 && s.Strides[i] != want {
			return false
		}
		want *= s.Shape[i]
	}
	return true
}

// UnaryOp selects the function Unary applies to each element x. Ops whose
// names end in S take the scalar parameters Alpha (and Beta) of the call.
// The ops marked (int) also take Int32 operands (with exact, wrapping
// arithmetic); comparisons give 1 or 0 in the operands' dtype.
type UnaryOp uint8

const (
	Neg     UnaryOp = iota // -x (int)
	Abs                    // |x| (int)
	Exp                    // e^x
	Log                    // natural logarithm
	Sqrt                   // √x
	Rsqrt                  // 1/√x
	Tanh                   // hyperbolic tangent
	Sigmoid                // 1/(1+e^-x)
	Relu                   // max(x, 0); NaN stays NaN (int)
	Gelu                   // x·Φ(x) with the exact normal CDF Φ (erf form, as PyTorch's default)
	AffineS                // x*Alpha + Beta (int)
	RsubS                  // Alpha - x (int)
	RdivS                  // Alpha / x
	PowS                   // x^Alpha (math.Pow semantics)
	MaxS                   // max(x, Alpha), NaN propagating (int)
	MinS                   // min(x, Alpha), NaN propagating (int)
	EqS                    // 1 if x == Alpha else 0 (int)
	NeS                    // 1 if x != Alpha else 0 (int)
	LtS                    // 1 if x <  Alpha else 0 (int)
	LeS                    // 1 if x <= Alpha else 0 (int)
	GtS                    // 1 if x >  Alpha else 0 (int)
	GeS                    // 1 if x >= Alpha else 0 (int)
	Square                 // x*x (int)
	Recip                  // 1/x
	Sign                   // -1, 0 or 1 (NaN stays NaN) (int)
	Floor                  // largest integer <= x (exact; keeps -0, NaN, ±Inf)
	Ceil                   // smallest integer >= x (exact; -0.5 gives -0)
	Round                  // nearest integer, ties to even (exact; as torch.round, NumPy)
	Trunc                  // integer part, toward zero (exact)
	Sin                    // sine (NaN for ±Inf)
	Cos                    // cosine (NaN for ±Inf)
	Erf                    // error function
	numUnary
)

// NumUnary is the number of UnaryOp values, for tables indexed by op.
const NumUnary = int(numUnary)

// BinaryOp selects the function Binary applies to each element pair (a, b).
// The ops marked (int) also take Int32 operands; comparisons give 1 or 0 in
// the operands' dtype.
type BinaryOp uint8

const (
	Add     BinaryOp = iota // a + b (int)
	Sub                     // a - b (int)
	Mul                     // a * b (int)
	Div                     // a / b
	Pow                     // a^b (math.Pow semantics)
	Maximum                 // max(a, b), NaN propagating (NumPy maximum) (int)
	Minimum                 // min(a, b), NaN propagating (NumPy minimum) (int)
	Eq                      // 1 if a == b else 0 (int)
	Ne                      // 1 if a != b else 0 (int)
	Lt                      // 1 if a <  b else 0 (int)
	Le                      // 1 if a <= b else 0 (int)
	Gt                      // 1 if a >  b else 0 (int)
	Ge                      // 1 if a >= b else 0 (int)
	numBinary
)

// NumBinary is the number of BinaryOp values.
const NumBinary = int(numBinary)

// ReduceOp selects what Reduce computes over the reduced elements.
//
// ArgMax and ArgMin write Int32 indices, exact for any size.
type ReduceOp uint8

const (
	Sum    ReduceOp = iota // sum; 0 for no elements
	Mean                   // arithmetic mean; NaN for no elements
	Max                    // maximum, NaN propagating; callers never pass no elements
	Min                    // minimum, NaN propagating; callers never pass no elements
	ArgMax                 // row-major index (Int32) of the first maximum within the reduced block
	ArgMin                 // row-major index (Int32) of the first minimum within the reduced block
	numReduce
)

// NumReduce is the number of ReduceOp values.
const NumReduce = int(numReduce)

// Dist selects the distribution Random draws from.
type Dist uint8

const (
	Uniform Dist = iota // uniform on [A, B)
	Normal              // normal with mean A and standard deviation B
)

// Backend stores tensors and runs ops on them.
type Backend interface {
	// Name identifies the backend and its device, e.g. "cpu" or
	// "vulkan: NVIDIA H200".
	Name() string

	// Alloc returns a buffer of n elements of type dt with unspecified
	// contents. It fails when the memory cannot be had, or when the device
	// cannot store dt (the error says so).
	Alloc(dt DType, n int) (Buffer, error)
	// Free releases a buffer. Using it afterwards is a programming error.
	Free(b Buffer)
	// Write copies the elements encoded in src (whole elements of dst's
	// dtype, in the host's byte order) into dst starting at element off.
	Write(dst Buffer, off int, src []byte) error
	// Read waits for queued work, then copies the elements of src into dst
	// in row-major order of src.Shape, encoded as Write takes them:
	// len(dst) == src.Size() × src.DType().Size().
	Read(dst []byte, src Strided) error
	// Sync waits for all queued work and reports a failure of the device
	// itself (sticky: every later Read and Sync returns it too). The
	// failures of single ops are on their destinations' Err.
	Sync() error

	// Fill sets every element of dst to v, converted to dst's dtype.
	Fill(dst Strided, v float64)
	// Copy copies src into dst, converting between their dtypes; both have
	// the same shape.
	Copy(dst, src Strided)
	// Arange sets the element with row-major index i of dst to start + i*step
	// (computed in float64, then converted to dst's dtype).
	Arange(dst Strided, start, step float64)
	// Random fills dst from a Philox4x32-10 stream (see package philox):
	// the element with row-major index i uses counter (i, stream) and key
	// seed, so any backend produces the same values (the float32 draw,
	// rounded to dst's dtype).
	Random(dst Strided, dist Dist, seed, stream uint64, a, b float32)

	// Unary sets dst = op(src) elementwise; alpha and beta are the scalar
	// parameters of the ops that take them, rounded to float32 for float
	// operands (the precision of the arithmetic, 16-bit operands included)
	// and converted to int32 for Int32 ones.
	Unary(op UnaryOp, dst, src Strided, alpha, beta float64)
	// Binary sets dst = op(a, b) elementwise; a and b have dst's shape.
	Binary(op BinaryOp, dst, a, b Strided)
	// Where sets dst = a where cond != 0, else b; all have dst's shape.
	Where(dst, cond, a, b Strided)

	// Reduce reduces the trailing len(src.Shape)-len(dst.Shape) axes of
	// src: dst.Shape equals the leading axes of src.Shape.
	Reduce(op ReduceOp, dst, src Strided)
	// Softmax sets dst to the softmax (or, with log, log-softmax) of src
	// along the last axis, computed stably (max subtracted first).
	Softmax(dst, src Strided, log bool)
	// MatMul sets dst = a·b (or dst += a·b with accumulate) for every batch
	// index: a is [batch..., M, K], b is [batch..., K, N], dst is
	// [batch..., M, N], and all three have the same batch shape (broadcast
	// batch axes have zero strides in a or b).
	MatMul(dst, a, b Strided, accumulate bool)
	// Gather sets dst[..., i, ...] = src[..., int(idx[..., i, ...]), ...]
	// along axis: idx has dst's shape, and src has dst's shape except on
	// axis. Indices follow the index rule above.
	Gather(dst, src, idx Strided, axis int)
	// Im2Col copies the k×k patches of the images src [N, C, H, W] into
	// dst [N, C, k·k, Ho, Wo]: dst[n, c, i·k+j, y, x] =
	// src[n, c, y·stride+i−pad, x·stride+j−pad], 0 outside the image, with
	// Ho = (H+2·pad−k)/stride+1 and Wo likewise.
	Im2Col(dst, src Strided, k, stride, pad int)
	// Col2Im is the adjoint of Im2Col: dst [N, C, H, W] receives, at each
	// pixel, the sum of the entries of src [N, C, k·k, Ho, Wo] that Im2Col
	// would have copied from it.
	Col2Im(dst, src Strided, k, stride, pad int)
	// ScatterAdd adds src[..., i, ...] into dst[..., int(idx[..., i, ...]), ...]
	// along axis (the adjoint of Gather): idx has src's shape, and dst has
	// src's shape except on axis. Repeated indices accumulate; indices
	// follow the index rule above (a bad one's element is not added).
	ScatterAdd(dst, src, idx Strided, axis int)
}

// Fused is implemented by backends that have fused kernels for the hot
// spots of training: a linear layer with its bias and activation, the
// cross-entropy loss and its gradient, and in-place optimizer updates. Each
// replaces several elementwise launches, and the temporaries between them,
// with one. The tensor package and package nn use a backend's Fused
// methods when it has them and fall back to composed ops otherwise, with
// the same results to float32 rounding.
type Fused interface {
	// MatMulBias sets dst = a·b + bias (bias has shape [N] and is added to
	// every row), followed by ReLU (max(x, 0), NaN staying NaN) when relu
	// is set. Operands are as for MatMul without accumulate; bias.Buf is
	// nil for no bias.
	MatMulBias(dst, a, b, bias Strided, relu bool)
	// CrossEntropy sets loss[i] = −log softmax(logits[i, :])[t] for each
	// row i of logits [N, C], where t is the class targets[i] names under
	// the index rule above (axis 1, size C; a bad target's loss is
	// unspecified). loss and targets have shape [N]; C ≥ 1.
	CrossEntropy(loss, logits, targets Strided)
	// CrossEntropyGrad sets dst[i, j] = (softmax(logits[i, :])[j] −
	// [j == t]) · grad[i] · scale, the gradient of CrossEntropy given the
	// gradient grad [N] of its result (often a broadcast scalar, stride 0);
	// dst has logits' shape and t is as in CrossEntropy.
	CrossEntropyGrad(dst, logits, targets, grad Strided, scale float32)
	// SGDStep updates param and its momentum buffer in place from grad
	// (see SGDParams). All three are contiguous and of the same size; buf
	// is neither read nor written when Momentum is 0.
	SGDStep(param, grad, buf Strided, p SGDParams)
	// AdamStep updates param and its moment estimates m and v in place
	// from grad (see AdamParams). All four are contiguous and of the same
	// size.
	AdamStep(param, grad, m, v Strided, p AdamParams)
}

// LayerNormer is implemented by backends with fused layer normalization
// over the last axis: one launch for the forward pass and one (or a fixed
// few) for the backward, instead of a dozen elementwise ops and their
// temporaries. The tensor package uses it when a backend has it and falls
// back to composed ops otherwise, with the same results to float32
// rounding.
//
// Operands: x, dst, g and dx are [R, C] (any strides), mean and rstd are
// [R], gamma, beta, dgamma and dbeta are [C]; R ≥ 1 and C ≥ 1 (the tensor
// package handles empty operands itself).
type LayerNormer interface {
	// LayerNorm sets, for each row r of x,
	//
	//	mean[r] = Σⱼ x[r, j] / C
	//	rstd[r] = 1 / √(Σⱼ (x[r, j] − mean[r])² / C + eps)
	//	dst[r, j] = (x[r, j] − mean[r]) · rstd[r] · gamma[j] + beta[j]
	//
	// (the biased variance, as torch.nn.LayerNorm). gamma.Buf nil means
	// gamma 1 and beta.Buf nil means beta 0. A row holding a NaN or an
	// infinity gives NaN throughout.
	LayerNorm(dst, mean, rstd, x, gamma, beta Strided, eps float32)
	// LayerNormGrad computes the gradients of LayerNorm given the
	// gradient g of its result and the mean and rstd it saved: with
	// x̂ = (x − mean)·rstd and dy = g·gamma,
	//
	//	dx[r, j] = rstd[r] · (dy[r, j] − mean_j(dy[r, :]) − x̂[r, j]·mean_j(dy[r, :]·x̂[r, :]))
	//	dgamma[j] = Σᵣ g[r, j]·x̂[r, j]
	//	dbeta[j] = Σᵣ g[r, j]
	//
	// A destination whose Buf is nil is not computed. The sums over rows
	// are taken in a fixed order (no atomics), so that the same inputs give
	// the same bits on every run.
	LayerNormGrad(dx, dgamma, dbeta, g, x, mean, rstd, gamma Strided)
}

// ActivationGrads is implemented by backends with fused gradients of
// activation functions: one pass over the operands instead of the dozen
// elementwise ops (and their temporaries) of the composed gradient. The
// tensor package uses it for Float32 operands when a backend has it, and
// composes the gradient otherwise, with the same results to float32
// rounding. All operands have one shape (any strides).
type ActivationGrads interface {
	// GeluGrad sets dst = g · (Φ(x) + x·φ(x)), the gradient of Gelu at x
	// given the gradient g of its result y = x·Φ(x): Φ is y/x (½ at
	// x = 0) and φ(x) = exp(−x²/2)/√(2π), the standard normal density.
	GeluGrad(dst, x, y, g Strided)
}

// SGDParams are the hyper-parameters of one SGD update, torch.optim.SGD's:
// with g the gradient and p the parameter, each rounded to float32 after
// every operation as separate ops would,
//
//	g ← g + WeightDecay·p                  (when WeightDecay ≠ 0)
//	b ← g when First, else Momentum·b + (1−Dampening)·g
//	g ← g + Momentum·b with Nesterov, else b   (when Momentum ≠ 0)
//	p ← p − LR·g
type SGDParams struct {
	LR, Momentum, Dampening, WeightDecay float32
	Nesterov                             bool
	First                                bool // the momentum buffer is uninitialized: set it to g
}

// AdamParams are the hyper-parameters of one Adam or AdamW update,
// torch.optim's, with the bias corrections of the step precomputed on the
// host:
//
//	p ← p·(1 − LR·WeightDecay)             (Decoupled)
//	g ← g + WeightDecay·p                  (not Decoupled)
//	m ← Beta1·m + (1−Beta1)·g
//	v ← Beta2·v + (1−Beta2)·g²
//	p ← p − StepSize · m / (√v / BC2Sqrt + Eps)
//
// where StepSize = LR/(1−Beta1ᵗ) and BC2Sqrt = √(1−Beta2ᵗ) at step t.
type AdamParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Decoupled                          bool
	StepSize, BC2Sqrt                  float32
}

// Precision selects how a matrix product treats float32 operands, as
// PyTorch's set_float32_matmul_precision. Every precision accumulates in
// float32; they differ in what each operand is rounded to first. Medium and
// High scale each row of a and each column of b by a power of two (exact)
// so that its largest finite magnitude lies in [2^14, 2^15) before
// rounding, and undo the scaling on the result: float16's exponent range
// then limits nothing, only its 11-bit significand does (elements more
// than 2^24 below their row's or column's largest become 0 in Medium).
type Precision uint8

const (
	// PrecisionHighest multiplies the float32 operands as they are (FMA).
	PrecisionHighest Precision = iota
	// PrecisionHigh splits each scaled operand x into hi = fp16(x) and
	// lo = fp16((x − hi)·2^11), and computes hi·hi' + (hi·lo' + lo·hi')·2^-11
	// (Ootomo & Yokota 2022): three float16 products whose error is close
	// to float32's, the form tensor cores run fast.
	PrecisionHigh
	// PrecisionMedium rounds each scaled operand to float16 once: one
	// float16 product with float32 accumulation.
	PrecisionMedium
)

// String names the precision as PyTorch does: "highest", "high", "medium".
func (p Precision) String() string {
	switch p {
	case PrecisionHighest:
		return "highest"
	case PrecisionHigh:
		return "high"
	case PrecisionMedium:
		return "medium"
	}
	return "Precision(" + strconv.Itoa(int(p)) + ")"
}

// PreciseMatMul is implemented by backends that compute matrix products at
// precisions other than PrecisionHighest. The tensor package asks
// HasPrecision and falls back to the next more precise precision the
// backend has (Medium → High → Highest).
type PreciseMatMul interface {
	// HasPrecision reports whether the backend computes MatMulAt at p.
	HasPrecision(p Precision) bool
	// MatMulAt is MatMul at precision p, one that HasPrecision reports.
	MatMulAt(dst, a, b Strided, accumulate bool, p Precision)
}
