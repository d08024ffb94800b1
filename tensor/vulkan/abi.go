package vulkan

import "unsafe"

// The shader ABI: one Go struct per push-constant block, field for field
// the GLSL declaration (uint → uint32, float → float32, uvecN → [N]uint32),
// and the names of each kernel's specialization constants by SpecId.
// TestShaderABI parses every committed SPIR-V module (member offsets and
// types, block size, SpecIds) and the GLSL source (member names) and
// compares them with these declarations.

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

// kernelABI is what the host hands one kernel: its push-constant block (a
// zero value of its struct, nil for none) and its specialization constants
// by SpecId ("" for an id it does not use).
type kernelABI struct {
	push any
	spec []string
}

var stridedSpec = []string{"workgroup", "LAYOUT", "OP", "UNROLL"}
var reduceSpec = []string{"workgroup", "OP", "MODE", "PAIRS", "VEC"}
var softmaxSpec = []string{"workgroup", "MODE", "LOG", "CACHE", "VEC"}
var softmaxLongSpec = []string{"workgroup", "LOG"}
var matmulSpec = []string{"workgroup", "BM", "BN", "BK", "", "", "AMODE", "BMODE", "FLAGS", "SWZ"}

// kernelABIs lists the kernels whose host side is declared here.
var kernelABIs = map[string]kernelABI{
	"unary":          {stridedPC{}, stridedSpec},
	"binary":         {stridedPC{}, stridedSpec},
	"where":          {stridedPC{}, stridedSpec},
	"gen":            {stridedPC{}, stridedSpec},
	"gather":         {stridedPC{}, stridedSpec},
	"scatter":        {stridedPC{}, stridedSpec},
	"matmul":         {matmulPC{}, matmulSpec},
	"matmul_8x4":     {matmulPC{}, matmulSpec},
	"matmul_8x8":     {matmulPC{}, matmulSpec},
	"splitk":         {splitkPC{}, []string{"workgroup", "FLAGS"}},
	"conv":           {convPC{}, []string{"workgroup", "MODE"}},
	"xent":           {xentPC{}, []string{"workgroup", "MODE", "GRAD"}},
	"sgd":            {sgdPC{}, []string{"workgroup"}},
	"reduce":         {reducePC{}, reduceSpec},
	"reduce_sg":      {reducePC{}, reduceSpec},
	"softmax":        {softmaxPC{}, softmaxSpec},
	"softmax_sg":     {softmaxPC{}, softmaxSpec},
	"softmax_long":   {softmaxPC{}, softmaxLongSpec},
	"softmax_long_w": {softmaxPC{}, softmaxLongSpec},
	"adam":           {adamPC{}, []string{"workgroup"}},
}

// pushBytes returns the bytes of a push-constant struct, as the kernel
// reads them (every field is 4 bytes, so Go's layout has no padding).
func pushBytes[T any](pc *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(pc)), unsafe.Sizeof(*pc))
}
