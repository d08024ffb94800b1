package tensor

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Precision is how a device's matrix products (MatMul, Linear, Conv2d and
// their gradients) treat float32 operands: PrecisionHighest (the default),
// PrecisionHigh or PrecisionMedium, as PyTorch's
// set_float32_matmul_precision. See backend.Precision for what each
// computes.
type Precision = backend.Precision

// The precisions, most precise first.
const (
	PrecisionHighest = backend.PrecisionHighest
	PrecisionHigh    = backend.PrecisionHigh
	PrecisionMedium  = backend.PrecisionMedium
)

// ParsePrecision returns the precision named "highest", "high" or
// "medium".
func ParsePrecision(s string) (Precision, error) {
	for _, p := range []Precision{PrecisionHighest, PrecisionHigh, PrecisionMedium} {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("tensor: unknown matmul precision %q (want highest, high or medium)", s)
}

// SetMatMulPrecision sets the precision of d's matrix products and returns
// the one d will use: p itself when the backend computes it, otherwise
// the next more precise one it has (a backend without PreciseMatMul has
// only PrecisionHighest). It applies to products recorded afterwards, from
// every goroutine.
func (d *Device) SetMatMulPrecision(p Precision) Precision {
	eff := PrecisionHighest
	if pm, ok := d.b.(backend.PreciseMatMul); ok {
		for q := p; q > PrecisionHighest; q-- {
			if pm.HasPrecision(q) {
				eff = q
				break
			}
		}
	}
	d.precision.Store(uint32(eff))
	return eff
}

// MatMulPrecision is the precision d's matrix products use.
func (d *Device) MatMulPrecision() Precision { return Precision(d.precision.Load()) }

// matmul runs dst = a·b (+= with accumulate) on d at its precision.
func (d *Device) matmul(dst, a, b backend.Strided, accumulate bool) {
	if p := d.MatMulPrecision(); p != PrecisionHighest && dst.DType() == Float32 {
		d.b.(backend.PreciseMatMul).MatMulAt(dst, a, b, accumulate, p)
		return
	}
	d.b.MatMul(dst, a, b, accumulate)
}
