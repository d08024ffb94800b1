// Package tensor provides n-dimensional tensors of float32, float16,
// bfloat16 and int32 with NumPy semantics, on the CPU or on a GPU through
// Vulkan.
//
// # Tensors, shapes and strides
//
// A tensor is a rectangular array of numbers. Its shape lists the size of
// each axis: a vector of 3 numbers has shape [3], a 2×3 matrix has shape
// [2 3], a batch of 64 grey 28×28 images has shape [64 1 28 28], and a
// single number (a scalar) has the empty shape []. The number of axes is
// the rank, and the number of elements is the product of the shape.
//
// The elements live in a flat buffer. Strides say how to find them: the
// element at index (i0, i1, ..., in) sits at
//
//	offset + i0*strides[0] + i1*strides[1] + ... + in*strides[n]
//
// A freshly made [2 3] matrix is stored row by row ("row-major" or
// "contiguous"), so its strides are [3 1]: one step down a column skips a
// whole row of 3 elements, one step along a row moves by 1.
//
// # Views
//
// Because position is computed from strides, many operations need no copy:
// they return a view, a new tensor over the same buffer with other shape,
// strides or offset. The transpose of the [2 3] matrix above is the [3 2]
// view with strides [1 3]. Slice(1, 0, 3, 2) takes every other column by
// doubling a stride; Index picks one row by moving the offset; Reshape
// regroups axes when the strides allow (otherwise it copies); BroadcastTo
// repeats an axis of size 1 by giving it stride 0. Contiguous returns a
// row-major copy when one is needed. Views share storage with their source:
// tensors are never modified by ops, so sharing is safe.
//
// # Broadcasting
//
// Elementwise operations on tensors of different shapes follow NumPy's
// broadcasting rule, step by step:
//
//  1. Align the shapes at their last axis; pad the shorter one on the left
//     with axes of size 1. [2 3] and [3] become [2 3] and [1 3].
//  2. On every axis the sizes must be equal, or one of them must be 1.
//  3. An axis of size 1 is stretched to the other size by repeating it
//     (a stride of 0, so nothing is copied). [1 3] becomes [2 3]: the row
//     is added to every row.
//
// So a [64 10] batch of scores plus a [10] bias adds the bias to each of
// the 64 rows, and a [4 1] column times a [1 5] row gives their [4 5] outer
// product. Shapes [2 3] and [4] do not broadcast: axis -1 (the last) is 3
// against 4.
//
// # Matrices are linear maps
//
// A function f from vectors to vectors is linear when f(x + y) = f(x) + f(y)
// and f(c·x) = c·f(x). Such a map is fixed by where it sends the unit
// vectors, and the m×n matrix whose column j is the image of the j-th unit
// vector is the map: multiplying it by x computes f(x). The map
// f(x, y) = (x + 3y, −2x + y) is the matrix [[1 3] [−2 1]], and
// f(7, 8) = (31, −6) is a matrix-vector product.
//
// Composing linear maps gives a linear map, and its matrix is the product
// of theirs: the matrix of f∘h (first h, then f) is F·H, where entry (i, j)
// of F·H is the sum over k of F[i,k]·H[k,j]. That is why matrix
// multiplication is defined the way it is, and why it is associative but
// not commutative. A neural network layer y = W·x + b is a linear map
// followed by a shift; stacking layers composes maps, and the nonlinearity
// (ReLU) between them is what keeps the stack from collapsing into a single
// matrix. MatMul follows NumPy's matmul: stacks of matrices in the leading
// axes are multiplied pairwise with those axes broadcast, and a 1-D operand
// is treated as a row (first operand) or column (second) vector.
//
// # Conventions
//
// Axes may be given negative, counting from the end: -1 is the last axis.
//
// Indices (the results of ArgMax, ArgMin, ArgSort, TopK, Randint,
// Permutation and Multinomial, which are Int32; the inputs of Gather,
// ScatterAdd, IndexSelect, OneHot and the CrossEntropy targets, which may
// be Int32 or a float dtype holding integers, the older form) follow one
// rule on every backend: on an axis of n elements an index i with
// −n ≤ i < n names position i, or n+i when i is negative (NumPy's
// rule, so -1 is the last). Any other value (out of range, not an integer,
// NaN, ±Inf) is an error that names the op, the index and the axis size:
// on the CPU, where the indices are at hand, the op panics with a
// *ShapeError; on a GPU the device checks them, never reading or writing
// outside the operand, and the result (with everything computed from it,
// gradients included) carries a *backend.IndexError from the moment a
// Data or Item call (or the backend's Sync) has waited for that work (see
// Tensor.Err). The error of a GPU check names the backend op that found
// it: Gather for IndexSelect, ScatterAdd for OneHot and for Gather's
// gradient.
//
// # Element types
//
// Every tensor has a DType: Float32 (the default: FromSlice, Zeros, Full,
// Arange, Uniform and Normal make Float32 tensors), Float16, BFloat16 or
// Int32. AsType converts; FromInt32s, FromBytes and the ...Of functions
// (ZerosOf, FullOf, ArangeOf, ...) create other dtypes; Data reads any
// dtype as float32, Int32s as int32 and Bytes as the stored bits.
//
// Float16 and BFloat16 tensors are stored in 16 bits and computed in
// float32: every op gives the float32 result on the widened operands,
// rounded once to the result's dtype (to nearest, ties to even); sums and
// matrix products accumulate in float32 or wider. The ops composed of
// several steps (Log1p, Expm1, LogSumExp, Var, Std, Prod, Cumsum, SiLU,
// LayerNorm, ...) do too: they run on a float32 copy and round the result
// once, and DivScalar divides by the float32 scalar, not by its 16-bit
// rounding. (Gradients are composed ops in the tensors' dtypes, rounded
// at every step.) Int32 arithmetic is
// exact and wraps around on overflow (a Sum too), as Go's int32 does.
//
// An op on operands of different dtypes computes in their promoted dtype,
// as PyTorch promotes:
//
//	         | Float32  Float16  BFloat16  Int32
//	Float32  | Float32  Float32  Float32   Float32
//	Float16  | Float32  Float16  Float32   Float16
//	BFloat16 | Float32  Float32  BFloat16  BFloat16
//	Int32    | Float32  Float16  BFloat16  Int32
//
// (Promote gives the table). Ops whose results are not integers (Div, Pow,
// Mean, Var, Softmax, MatMul, the convolutions and the functions Exp, Log,
// Sqrt, Tanh, Sigmoid, Gelu, Sin, Cos, Erf, ...) compute an Int32 operand
// as Float32, as NumPy does; Floor, Ceil, Round and Trunc return an Int32
// operand unchanged. A Scalar op (AddScalar, MulScalar, LtScalar, ...)
// keeps an Int32 tensor Int32 when the scalar is an integer and computes
// in Float32 otherwise. Comparisons give 1 or 0 in the promoted dtype
// (there is no boolean dtype). Only float tensors have gradients
// (SetRequiresGrad on an Int32 tensor panics with a *DTypeError); a
// gradient has the dtype of its tensor, and AsType between floats is
// differentiable.
//
// A shape mistake is a programming error, like indexing past the end of a
// slice: the op panics with a *ShapeError whose message names the op, the
// shapes and the failing axis, for example
//
//	Add: shapes [2 3] and [4] do not broadcast: axis -1 is 3 vs 4
//
// Operands on different backends panic with a *BackendError. Runtime
// failures (no memory on the device, a lost device) are not panics: the
// tensor an op returns carries the error, every tensor computed from it
// carries it too, and Data, Item and To return it (see Tensor.Err).
//
// # Devices
//
// Storage and computation belong to a backend (package backend defines the
// contract); a *Device is the tensor package's handle on one, with one
// Device per backend (On(b) always returns the same one). The package-level
// creation functions use the default device, the pure-Go CPU backend
// (package cpu) unless SetDefault chose another; CPU() is that backend's
// Device and On(b) is another's, and Tensor.To copies a tensor to a device
// (MoveTo moves a parameter in place). Tensors know their device
// (Tensor.Device); operands of one op must share it. The Vulkan backend
// (package vulkan) runs every op as GPU compute shaders and queues them, so
// results come back to the host only when Data, Item or String read them.
// Backends that implement backend.Fused also run Linear, LinearReLU,
// CrossEntropy and the optimizer updates SGDUpdate and AdamUpdate as single
// fused kernels; those that implement backend.LayerNormer run LayerNorm
// and its gradient so, backend.Attentioner ScaledDotProductAttention
// (never materializing the T×S scores), and backend.Convolver Conv2d and
// its gradients without the batch's im2col matrix. Elsewhere these ops are
// composed of the others, with the same results up to float32 rounding.
//
// # Scopes, gradient mode and goroutines
//
// There is no hidden state: no process-wide mode and nothing looked up by
// goroutine. Memory release and gradient recording belong to a *Scope, an
// object the caller holds, and tensors belong to scopes by lineage:
//
//   - Device.Step(f) runs f(s) with a scope s that records gradients and
//     releases it (frees its tensors) when f returns; Device.NoGrad(f) is
//     the same with recording off; s.Step and s.NoGrad nest; NewScope and
//     Release do the same by hand;
//   - a tensor created through s (s.FromSlice, s.Zeros, ...) or brought in
//     with s.Use belongs to s, and so does every result computed from it:
//     an op's result belongs to the innermost open scope among its
//     operands';
//   - tensors created through a Device, and results of ops on such tensors
//     only, belong to no scope and are freed by the garbage collector (or
//     Release);
//   - Keep exempts a tensor from its scope's release; parameters
//     (SetRequiresGrad) and the gradients Backward stores are kept.
//
// A training step therefore reads:
//
//	dev.Step(func(s *tensor.Scope) {
//		loss := lossFn(model.Forward(s.FromSlice(batch, 256, 784)), s.Use(labels))
//		loss.Backward()
//		opt.Step()
//	})
//
// Several goroutines may use one device at the same time: each scope frees
// only its own tensors, a goroutine's NoGrad scope turns recording off only
// for results that belong to it, and tensors made through the Device by,
// say, a data loader are never freed by anybody's scope. The backends are
// safe for concurrent use (see package backend). What is not allowed is
// releasing a scope while another goroutine still uses its tensors: the
// next op on one panics with a *BackendError saying it was used after
// Release.
package tensor
