package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// DType is the element type of a tensor (see the package doc, "Element
// types").
type DType = backend.DType

// The element types.
const (
	Float32  = backend.Float32  // IEEE 754 single precision: the default
	Float16  = backend.Float16  // IEEE 754 half precision (5 exponent, 10 significand bits)
	BFloat16 = backend.BFloat16 // bfloat16: float32's exponent range with 8 significand bits
	Int32    = backend.Int32    // 32-bit two's complement integers
)

// DTypeError is the panic of an op given a tensor of a dtype it does not
// take, such as a gradient asked of an Int32 tensor or an unknown DType.
type DTypeError struct {
	Op     string
	DType  DType
	Reason string
}

func (e *DTypeError) Error() string {
	return fmt.Sprintf("%s: %s tensor: %s", e.Op, e.DType, e.Reason)
}

// Promote returns the dtype that a binary op on tensors of dtypes a and b
// computes in, by PyTorch's rules: the same dtype stays; a float with
// Int32 gives the float; Float16 with BFloat16 gives Float32 (neither
// holds the other); a 16-bit float with Float32 gives Float32.
func Promote(a, b DType) DType {
	switch {
	case a == b:
		return a
	case a == Int32:
		return b
	case b == Int32:
		return a
	}
	return Float32 // two different floats: Float32 holds both
}

// promoteAll is Promote over the dtypes of ts.
func promoteAll(ts ...*Tensor) DType {
	dt := ts[0].DType()
	for _, t := range ts[1:] {
		dt = Promote(dt, t.DType())
	}
	return dt
}

// floatOf is the dtype an op whose results are not integers (Div, Exp,
// Mean, Softmax, ...) computes in for operands of dtype dt: dt itself for
// a float, Float32 for Int32.
func floatOf(dt DType) DType {
	if dt == Int32 {
		return Float32
	}
	return dt
}

// AsType returns t converted to dtype dt, or t itself when it has that
// dtype already. Conversion to a float rounds to nearest, ties to even
// (values beyond float16's range become ±Inf); to Int32 it rounds toward
// zero, saturating at the int32 range, NaN giving 0. It is differentiable
// between float dtypes: the gradient is converted back to t's dtype.
func (t *Tensor) AsType(dt DType) *Tensor {
	const name = "AsType"
	if !dt.Valid() {
		panic(&DTypeError{Op: name, DType: dt, Reason: "not a dtype"})
	}
	if t.DType() == dt {
		return t
	}
	b := t.Backend()
	out := alloc(b, dt, t.shape, t)
	if out.ok() && out.Size() > 0 {
		b.Copy(out.strided(name), t.strided(name))
	}
	if !dt.IsFloat() || !t.DType().IsFloat() {
		return out // no gradient flows through an integer
	}
	src := t.DType()
	return record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor { return one(g.AsType(src)) })
}

// as converts t to dt for an op that computes in dt.
func (t *Tensor) as(dt DType) *Tensor { return t.AsType(dt) }

// checkGradDType panics when t, of a dtype that cannot have gradients,
// is asked for one.
func checkGradDType(op string, t *Tensor) {
	if !t.DType().IsFloat() {
		panic(&DTypeError{Op: op, DType: t.DType(), Reason: "only float tensors have gradients"})
	}
}

// fromBytes makes a tensor of dtype dt holding the encoded elements data.
func (d *Device) fromBytes(sc *Scope, op string, dt DType, data []byte, shape []int) *Tensor {
	if !dt.Valid() {
		panic(&DTypeError{Op: op, DType: dt, Reason: "not a dtype"})
	}
	checkShape(op, shape)
	if n := prod(shape) * dt.Size(); n != len(data) {
		shapePanic(op, fmt.Sprintf("holds %d bytes of %s, not the %d given", n, dt, len(data)), shape)
	}
	t := allocIn(d, sc, dt, shape)
	if t.ok() && len(data) > 0 {
		if err := d.b.Write(t.st.ref.buf, 0, data); err != nil {
			t.err = err
		}
	}
	return t
}

// FromBytes returns a tensor of dtype dt whose elements are encoded in
// data as Bytes returns them (the host's byte order, little-endian on
// amd64 and arm64). It panics with a *ShapeError when data does not hold
// the shape's elements, and with a *DTypeError for an unknown dtype.
func (d *Device) FromBytes(dt DType, data []byte, shape ...int) *Tensor {
	return d.fromBytes(nil, "FromBytes", dt, data, shape)
}

// FromInt32s returns an Int32 tensor holding a copy of data with the given
// shape (1-D of len(data) elements when shape is empty), as FromSlice.
func (d *Device) FromInt32s(data []int32, shape ...int) *Tensor {
	return d.fromInt32s(nil, data, shape)
}

func (d *Device) fromInt32s(sc *Scope, data []int32, shape []int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	return d.fromBytes(sc, "FromInt32s", Int32, raw.Bytes(data), slices.Clone(shape))
}

// FullOf returns a tensor of dtype dt and the given shape with every
// element v (converted to dt as AsType converts).
func (d *Device) FullOf(dt DType, v float64, shape ...int) *Tensor {
	return d.fullOf(nil, dt, v, shape)
}

// ZerosOf returns a tensor of dtype dt filled with 0.
func (d *Device) ZerosOf(dt DType, shape ...int) *Tensor { return d.fullOf(nil, dt, 0, shape) }

// OnesOf returns a tensor of dtype dt filled with 1.
func (d *Device) OnesOf(dt DType, shape ...int) *Tensor { return d.fullOf(nil, dt, 1, shape) }

// ArangeOf is Arange producing dtype dt: each value is computed in float64
// and converted once, so an Int32 Arange is exact over the whole int32
// range.
func (d *Device) ArangeOf(dt DType, start, stop, step float64) *Tensor {
	return d.arangeOf(nil, dt, start, stop, step)
}

func (d *Device) fullOf(sc *Scope, dt DType, v float64, shape []int) *Tensor {
	if !dt.Valid() {
		panic(&DTypeError{Op: "Full", DType: dt, Reason: "not a dtype"})
	}
	checkShape("Full", shape)
	t := allocIn(d, sc, dt, shape)
	if t.ok() {
		d.b.Fill(t.strided("Full"), v)
	}
	return t
}

// FromBytes is FromBytes through the scope's device, into the scope.
func (s *Scope) FromBytes(dt DType, data []byte, shape ...int) *Tensor {
	return s.dev.fromBytes(s, "FromBytes", dt, data, shape)
}

// FromInt32s is FromInt32s through the scope's device, into the scope.
func (s *Scope) FromInt32s(data []int32, shape ...int) *Tensor {
	return s.dev.fromInt32s(s, data, shape)
}

// FullOf is FullOf through the scope's device, into the scope.
func (s *Scope) FullOf(dt DType, v float64, shape ...int) *Tensor {
	return s.dev.fullOf(s, dt, v, shape)
}

// ZerosOf is ZerosOf through the scope's device, into the scope.
func (s *Scope) ZerosOf(dt DType, shape ...int) *Tensor { return s.dev.fullOf(s, dt, 0, shape) }

// OnesOf is OnesOf through the scope's device, into the scope.
func (s *Scope) OnesOf(dt DType, shape ...int) *Tensor { return s.dev.fullOf(s, dt, 1, shape) }

// ArangeOf is ArangeOf through the scope's device, into the scope.
func (s *Scope) ArangeOf(dt DType, start, stop, step float64) *Tensor {
	return s.dev.arangeOf(s, dt, start, stop, step)
}

// FromBytes is Default().FromBytes.
func FromBytes(dt DType, data []byte, shape ...int) *Tensor {
	return Default().FromBytes(dt, data, shape...)
}

// FromInt32s is Default().FromInt32s.
func FromInt32s(data []int32, shape ...int) *Tensor { return Default().FromInt32s(data, shape...) }

// FullOf is Default().FullOf.
func FullOf(dt DType, v float64, shape ...int) *Tensor { return Default().FullOf(dt, v, shape...) }

// ZerosOf is Default().ZerosOf.
func ZerosOf(dt DType, shape ...int) *Tensor { return Default().ZerosOf(dt, shape...) }

// OnesOf is Default().OnesOf.
func OnesOf(dt DType, shape ...int) *Tensor { return Default().OnesOf(dt, shape...) }

// ArangeOf is Default().ArangeOf.
func ArangeOf(dt DType, start, stop, step float64) *Tensor {
	return Default().ArangeOf(dt, start, stop, step)
}

// isInteger reports whether the scalar v is an integer in int32's range:
// such a scalar keeps an Int32 tensor Int32 in the Scalar ops.
func isInteger(v float32) bool {
	f := float64(v)
	return f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
}
