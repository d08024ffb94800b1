package vulkan

import "github.com/vktensor/vktensor/tensor/backend"

// The fused kernels of backend.Fused besides MatMulBias (matmul.go):
// cross-entropy and its gradient (shaders/xent.comp), and the SGD and Adam
// steps (shaders/sgd.comp, shaders/adam.comp), each one dispatch.

var _ backend.Fused = (*Backend)(nil)

// within reports whether off + Σ (shape[i]−1)·strides[i] is a 32-bit
// element index for every operand.
func within(ops ...backend.Strided) bool {
	for _, s := range ops {
		hi := s.Offset
		for i, d := range s.Shape {
			if d > 0 {
				hi += (d - 1) * s.Strides[i]
			}
		}
		if s.Offset < 0 || hi > maxElems {
			return false
		}
	}
	return true
}

// CrossEntropy sets loss[i] = −log softmax(logits[i, :])[targets[i]].
func (b *Backend) CrossEntropy(loss, logits, targets backend.Strided) {
	defer b.exit()
	if !b.enter("CrossEntropy", 1, loss, logits, targets) {
		return
	}
	b.xent(loss, logits, targets, backend.Strided{}, 0, false)
}

// CrossEntropyGrad sets dst = (softmax(logits) − onehot(targets)) ·
// grad[i] · scale.
func (b *Backend) CrossEntropyGrad(dst, logits, targets, grad backend.Strided, scale float32) {
	defer b.exit()
	if !b.enter("CrossEntropyGrad", 1, dst, logits, targets, grad) {
		return
	}
	b.xent(dst, logits, targets, grad, scale, true)
}

// xent launches xent.comp: one invocation per row for short rows (the
// MNIST case, 10 classes), one workgroup per row from 128 classes on, as
// Softmax chooses.
func (b *Backend) xent(dst, logits, targets, grad backend.Strided, scale float32, isGrad bool) {
	rows, c := logits.Shape[0], logits.Shape[1]
	if b.err != nil || rows == 0 || c == 0 {
		return
	}
	ops := []backend.Strided{dst, logits, targets}
	if isGrad {
		ops = append(ops, grad)
	}
	if !within(ops...) || rows > maxElems || c > maxElems {
		b.fail(errTooLarge)
		return
	}
	chk, ok := b.newCheck(1, c)
	if !ok {
		return
	}
	mode, items := uint32(0), rows
	if c >= 128 {
		mode, items = 1, rows*rowGroup
	}
	g := uint32(0)
	gr := in(logits) // bound but unused by the forward
	pc := xentPC{Rows: uint32(rows), C: uint32(c),
		OffL: uint32(logits.Offset), SLr: uint32(logits.Strides[0]), SLc: uint32(logits.Strides[1]),
		OffT: uint32(targets.Offset), ST: uint32(targets.Strides[0]),
		OffD: uint32(dst.Offset), SDr: uint32(dst.Strides[0]), Scale: scale}
	if isGrad {
		g, gr = 1, in(grad)
		pc.SDc, pc.OffG, pc.SG = uint32(dst.Strides[1]), uint32(grad.Offset), uint32(grad.Strides[0])
	}
	pipe := b.pipeline("xent", 5, specWords(&xentSpec{Workgroup: rowGroup, Mode: mode, Grad: g, IType: uint32(targets.DType())}))
	b.dispatch(pipe, "xent", pushBytes(&pc), b.grid(items, rowGroup), out(dst), in(logits), in(targets), gr, chk)
}

// SGDStep updates param and buf in place (shaders/sgd.comp).
func (b *Backend) SGDStep(param, grad, buf backend.Strided, p backend.SGDParams) {
	defer b.exit()
	nd := 1
	if p.Momentum != 0 {
		nd = 2
	}
	if !b.enter("SGDStep", nd, param, buf, grad) {
		return
	}
	n := param.Size()
	if b.err != nil || n == 0 {
		return
	}
	var flags uint32
	bufRange, offB := in(grad), 0 // bound but unused without momentum
	ops := []backend.Strided{param, grad}
	if p.Nesterov {
		flags |= 1
	}
	if p.First {
		flags |= 2
	}
	if p.Momentum != 0 {
		flags |= 4
		bufRange, offB = inout(buf), buf.Offset
		ops = append(ops, buf)
	}
	if p.WeightDecay != 0 {
		flags |= 8
	}
	if !flatFits(n, ops...) {
		b.fail(errTooLarge)
		return
	}
	pc := sgdPC{N: uint32(n), OffP: uint32(param.Offset), OffG: uint32(grad.Offset), OffB: uint32(offB),
		Lr: p.LR, Momentum: p.Momentum, Damp: 1 - p.Dampening, Decay: p.WeightDecay, Flags: flags}
	pipe := b.pipeline("sgd", 3, specWords(&groupSpec{Workgroup: ewGroup}))
	b.dispatch(pipe, "sgd", pushBytes(&pc), b.grid(n, ewGroup), inout(param), in(grad), bufRange)
}

// AdamStep updates param, m and v in place (shaders/adam.comp).
func (b *Backend) AdamStep(param, grad, m, v backend.Strided, p backend.AdamParams) {
	defer b.exit()
	if !b.enter("AdamStep", 3, param, m, v, grad) {
		return
	}
	n := param.Size()
	if b.err != nil || n == 0 {
		return
	}
	if !flatFits(n, param, grad, m, v) {
		b.fail(errTooLarge)
		return
	}
	var flags uint32
	if p.WeightDecay != 0 {
		flags |= 1
	}
	if p.Decoupled {
		flags |= 2
	}
	pc := adamPC{N: uint32(n), OffP: uint32(param.Offset), OffG: uint32(grad.Offset), OffM: uint32(m.Offset), OffV: uint32(v.Offset),
		Beta1: p.Beta1, Beta2: p.Beta2, Omb1: 1 - p.Beta1, Omb2: 1 - p.Beta2, Eps: p.Eps,
		Decay: p.WeightDecay, Shrink: 1 - p.LR*p.WeightDecay, StepSize: p.StepSize, Bc2Sqrt: p.BC2Sqrt, Flags: flags}
	pipe := b.pipeline("adam", 4, specWords(&groupSpec{Workgroup: ewGroup}))
	b.dispatch(pipe, "adam", pushBytes(&pc), b.grid(n, ewGroup), inout(param), in(grad), inout(m), inout(v))
}

// flatFits reports whether n contiguous elements from each operand's offset
// have 32-bit indices.
func flatFits(n int, ops ...backend.Strided) bool {
	for _, s := range ops {
		if s.Offset < 0 || s.Offset+n-1 > maxElems {
			return false
		}
	}
	return true
}
