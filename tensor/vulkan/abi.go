package vulkan

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/vktensor/vktensor/shaders"
)

// The shader ABI: one Go struct per push-constant block, field for field
// the GLSL declaration (uint → uint32, float → float32, uvecN → [N]uint32),
// and the names of each kernel's specialization constants by SpecId.
// TestShaderABI parses every committed SPIR-V module (member offsets and
// types, block size, SpecIds) and the GLSL source (member and constant
// names) and compares them with these declarations. Call sites fill the
// structs by field name and pass pushBytes and specWords of them; before
// it builds a pipeline, b.pipeline also checks the push size and the
// number of spec constants against the SPIR-V (checkABI).

// stridedPC is the block of strided.glsl, shared by unary, binary, where,
// gen, gather and scatter.
type stridedPC struct {
	Shape              [4]uint32 // iteration shape
	Off                [4]uint32 // element offset of binding k in component k
	St0, St1, St2, St3 [4]uint32 // strides of binding k per axis
	N                  uint32    // elements to produce
	Alpha, Beta        float32   // scalar parameters
	P0, P1, P2, P3, P4 uint32    // kernel-specific extras
}

// matmulPC is matmul.comp's block (every matmul build).
type matmulPC struct {
	M, N, K                      uint32
	OffD, OffA, OffB, OffBias    uint32
	SAM, SAK, SBK, SBN, SDM, SDN uint32
	Nb2                          uint32 // inner batch count
	SA1, SA2, SB1, SB2, SD1, SD2 uint32 // batch strides (outer b1, inner b2)
	KSplit                       uint32 // K elements per split
	Splits                       uint32
	SBias                        uint32 // bias stride along N
}

// splitkPC is splitk.comp's block: the sum of split-K partials.
type splitkPC struct {
	M, N, Batches, Splits, Nb2 uint32
	OffD, OffP, OffBias        uint32
	SDM, SDN, SD1, SD2, SBias  uint32
}

// convPC is conv.comp's block (Im2Col and Col2Im).
type convPC struct {
	N, C, H, W, Ho, Wo, K, Stride, Pad, Total uint32
	Doff, Soff                                uint32
	Ds0, Ds1, Ds2, Ds3, Ds4                   uint32 // destination strides
	Ss0, Ss1, Ss2, Ss3, Ss4                   uint32 // source strides
}

// convGemmPC is the block of matmul.comp's CONV builds (convgemm*): the
// implicit-GEMM convolutions.
type convGemmPC struct {
	SD, SA, SB                       [4]uint32 // strides of D's, A's and B's four axes
	M, N, K                          uint32
	OffD, OffA, OffB, OffBias        uint32
	SBias                            uint32 // bias stride along N
	KSplit                           uint32 // K elements per split
	Splits                           uint32
	C, H, W, Ho, Wo, KS, Stride, Pad uint32 // the convolution's geometry
}

// xentPC is xent.comp's block (cross-entropy and its gradient).
type xentPC struct {
	Rows, C        uint32
	OffL, SLr, SLc uint32
	OffT, ST       uint32
	OffD, SDr, SDc uint32
	OffG, SG       uint32
	Scale          float32
}

// sgdPC is sgd.comp's block.
type sgdPC struct {
	N, OffP, OffG, OffB       uint32
	Lr, Momentum, Damp, Decay float32
	Flags                     uint32
}

// adamPC is adam.comp's block.
type adamPC struct {
	N, OffP, OffG, OffM, OffV                    uint32
	Beta1, Beta2, Omb1, Omb2, Eps, Decay, Shrink float32
	StepSize, Bc2Sqrt                            float32
	Flags                                        uint32
}

// reducePC is reduce.glsl's block (reduce, reduce_sg).
type reducePC struct {
	Oshape                [4]uint32 // outer (output) shape
	Ost                   [4]uint32 // src strides of the outer axes
	Dst                   [4]uint32 // dst strides of the outer axes
	Ishape                [4]uint32 // inner (reduced) shape
	Ist                   [4]uint32 // src strides of the inner axes
	OffS, OffD, NOut, NIn uint32
	Chunk, Cst, Div       uint32 // chunked passes: elements per chunk, partials' stride, Mean's divisor
	AuxS, AuxD            uint32 // index halves of (value, index) pairs
}

// softmaxPC is softmax.glsl's block (softmax, softmax_sg, softmax_long,
// softmax_long_w).
type softmaxPC struct {
	Oshape                          [4]uint32 // row shape (all axes but the last)
	Ost                             [4]uint32 // src strides of those axes
	Dst                             [4]uint32 // dst strides of those axes
	OffS, OffD, L, Sst, Dstr, NRows uint32
	Chunk, Chunks                   uint32 // softmax_long: row elements per workgroup, workgroups per row
}

// Specialization constants: one struct per kernel family, field i the
// constant of SpecId i, named after the GLSL constant (a blank field is an
// id the kernel does not use). specWords turns one into the words
// b.pipeline takes.

// stridedSpec specializes the strided.glsl kernels.
type stridedSpec struct {
	Workgroup uint32
	Layout    uint32 // addressing: 0 generic, 1.. the layouts of layout.go
	Op        uint32 // the kernel's operation
	Unroll    uint32 // vec4s per invocation of the vec4 layouts
	DType     uint32 // the destination's backend.DType (and its sources')
	SType     uint32 // the other source's dtype: Copy's source, Where's condition, the index
}

// matmulSpec specializes every matmul build (see matmul.comp's header).
type matmulSpec struct {
	Workgroup    uint32
	BM, BN, BK   uint32 // tile and slice sizes
	_, _         uint32 // TM, TN: compiled into each build
	AMode, BMode uint32 // how A and B are loaded
	Flags        uint32 // epilogue and kernel flags (mm* in matmul.go)
	Swz          uint32 // tile order: bands of Swz tile rows, 0 grid order
	DType        uint32 // the operands' backend.DType (the 16-bit builds: Float16, BFloat16)
}

// convGemmSpec specializes matmul.comp's CONV builds: matmulSpec's
// constants and the convolution's mode.
type convGemmSpec struct {
	Workgroup    uint32
	BM, BN, BK   uint32
	_, _         uint32
	AMode, BMode uint32
	Flags        uint32
	Swz          uint32
	DType        uint32
	CMode        uint32 // 1 forward, 2 input gradient, 3 weight gradient
}

// splitkSpec specializes splitk.comp.
type splitkSpec struct {
	Workgroup uint32
	Flags     uint32 // the epilogue flags of matmulSpec
	DType     uint32 // D's and the bias's backend.DType (splitk16)
}

// convSpec specializes conv.comp.
type convSpec struct {
	Workgroup uint32
	Mode      uint32 // 0 Im2Col, 1 Col2Im
	DType     uint32 // the operands' backend.DType (conv16: Float16, BFloat16)
}

// xentSpec specializes xent.comp.
type xentSpec struct {
	Workgroup uint32
	Mode      uint32 // 0 an invocation per row, 1 a workgroup per row
	Grad      uint32 // 1: the gradient, 0: the loss
	IType     uint32 // the targets' backend.DType (Float32 or Int32)
}

// groupSpec specializes a kernel whose only constant is its workgroup
// size (sgd, adam).
type groupSpec struct {
	Workgroup uint32
}

// reduceSpec specializes reduce.glsl (reduce, reduce_sg).
type reduceSpec struct {
	Workgroup uint32
	Op        uint32 // backend.ReduceOp
	Mode      uint32 // 0 an invocation per output, 1 a workgroup, 2 columns
	Pairs     uint32 // (value, index) pairs: bit 0 in src, bit 1 in dst
	Vec       uint32 // 1: MODE 1 reads vec4s
	SType     uint32 // src's backend.DType (the 16-bit builds: Float16, BFloat16)
	DType     uint32 // dst's, for the values it receives
}

// softmaxSpec specializes softmax.glsl's softmax and softmax_sg.
type softmaxSpec struct {
	Workgroup uint32
	Mode      uint32 // 0 an invocation per row, 1 a workgroup, 2 held in registers
	Log       uint32 // 1: log-softmax
	Cache     uint32 // MODE 2: vec4s per invocation
	Vec       uint32 // MODE 2: vec4 loads and stores
	DType     uint32 // src's and dst's backend.DType (the 16-bit builds: Float16, BFloat16)
}

// softmaxLongSpec specializes softmax_long and softmax_long_w.
type softmaxLongSpec struct {
	Workgroup uint32
	Log       uint32 // 1: log-softmax
	_, _, _   uint32 // softmax.comp's MODE, CACHE and VEC
	DType     uint32 // as softmaxSpec's
}

// kernelABI is what the host hands one kernel: its push-constant block and
// its specialization constants, as zero values of their structs (push nil
// for none).
type kernelABI struct {
	push any
	spec any
}

// kernelABIs lists every kernel the backend dispatches; b.pipeline builds
// no other.
var kernelABIs = map[string]kernelABI{
	"unary":            {stridedPC{}, stridedSpec{}},
	"binary":           {stridedPC{}, stridedSpec{}},
	"where":            {stridedPC{}, stridedSpec{}},
	"gen":              {stridedPC{}, stridedSpec{}},
	"gather":           {stridedPC{}, stridedSpec{}},
	"scatter":          {stridedPC{}, stridedSpec{}},
	"unary16":          {stridedPC{}, stridedSpec{}},
	"binary16":         {stridedPC{}, stridedSpec{}},
	"where16":          {stridedPC{}, stridedSpec{}},
	"gen16":            {stridedPC{}, stridedSpec{}},
	"gather16":         {stridedPC{}, stridedSpec{}},
	"scatter16":        {stridedPC{}, stridedSpec{}},
	"reduce_i32":       {reducePC{}, reduceSpec{}},
	"reduce16":         {reducePC{}, reduceSpec{}},
	"matmul16":         {matmulPC{}, matmulSpec{}},
	"matmul_8x4_16":    {matmulPC{}, matmulSpec{}},
	"matmul_8x8_16":    {matmulPC{}, matmulSpec{}},
	"splitk16":         {splitkPC{}, splitkSpec{}},
	"conv16":           {convPC{}, convSpec{}},
	"softmax16":        {softmaxPC{}, softmaxSpec{}},
	"softmax_sg16":     {softmaxPC{}, softmaxSpec{}},
	"softmax_long16":   {softmaxPC{}, softmaxLongSpec{}},
	"softmax_long_w16": {softmaxPC{}, softmaxLongSpec{}},
	"reduce_sg16":      {reducePC{}, reduceSpec{}},
	"convgemm":         {convGemmPC{}, convGemmSpec{}},
	"convgemm_8x8":     {convGemmPC{}, convGemmSpec{}},
	"convgemm16":       {convGemmPC{}, convGemmSpec{}},
	"convgemm_8x8_16":  {convGemmPC{}, convGemmSpec{}},
	"matmul":           {matmulPC{}, matmulSpec{}},
	"matmul_8x4":       {matmulPC{}, matmulSpec{}},
	"matmul_8x8":       {matmulPC{}, matmulSpec{}},
	"splitk":           {splitkPC{}, splitkSpec{}},
	"conv":             {convPC{}, convSpec{}},
	"xent":             {xentPC{}, xentSpec{}},
	"sgd":              {sgdPC{}, groupSpec{}},
	"adam":             {adamPC{}, groupSpec{}},
	"reduce":           {reducePC{}, reduceSpec{}},
	"reduce_sg":        {reducePC{}, reduceSpec{}},
	"softmax":          {softmaxPC{}, softmaxSpec{}},
	"softmax_sg":       {softmaxPC{}, softmaxSpec{}},
	"softmax_long":     {softmaxPC{}, softmaxLongSpec{}},
	"softmax_long_w":   {softmaxPC{}, softmaxLongSpec{}},
}

// pushBytes returns the bytes of a push-constant struct, as the kernel
// reads them (every field is 4 bytes, so Go's layout has no padding).
func pushBytes[T any](pc *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(pc)), unsafe.Sizeof(*pc))
}

// specWords returns a spec-constant struct as the words of SpecId 0, 1, ...
func specWords[T any](s *T) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(s)), unsafe.Sizeof(*s)/4)
}

// checkABI reports whether kernel's committed SPIR-V has the push-constant
// block size of its struct in kernelABIs and spec words the size of its
// spec struct: the check b.pipeline makes before it builds a pipeline. It
// returns the push size in bytes.
func checkABI(kernel string, nspec int) (int, error) {
	abi, ok := kernelABIs[kernel]
	if !ok {
		return 0, fmt.Errorf("vulkan: kernel %q has no ABI declaration (abi.go)", kernel)
	}
	push := 0
	if abi.push != nil {
		push = int(reflect.TypeOf(abi.push).Size())
	}
	if want := reflect.TypeOf(abi.spec).NumField(); nspec != want {
		return 0, fmt.Errorf("vulkan: kernel %s: %d specialization constants given, %T has %d", kernel, nspec, abi.spec, want)
	}
	in, err := reflectKernel(kernel)
	if err != nil {
		return 0, fmt.Errorf("vulkan: %w", err)
	}
	size := 0
	if in.Push != nil {
		size = in.Push.Size
	}
	if size != push {
		return 0, fmt.Errorf("vulkan: kernel %s: its SPIR-V push-constant block is %d bytes, %T %d (abi.go out of step with the shader)", kernel, size, abi.push, push)
	}
	return push, nil
}

// reflected caches shaders.Reflect per kernel.
var reflected sync.Map // kernel name → *shaders.Interface

func reflectKernel(kernel string) (*shaders.Interface, error) {
	if in, ok := reflected.Load(kernel); ok {
		return in.(*shaders.Interface), nil
	}
	in, err := shaders.Reflect(kernel)
	if err != nil {
		return nil, err
	}
	reflected.Store(kernel, in)
	return in, nil
}

// maxPushBytes is the largest push-constant block of any kernel: the
// device must offer that many bytes.
func maxPushBytes() int {
	n := 0
	for _, abi := range kernelABIs {
		if abi.push != nil {
			n = max(n, int(reflect.TypeOf(abi.push).Size()))
		}
	}
	return n
}
