package vec

import "math"

// Exp sets d[i] = exp(a[i]). Like Sigmoid, Tanh and the softmax helpers, it
// evaluates in float64 and rounds once to float32: the assembly kernels'
// float64 result is within 2⁻⁵⁰ (relative) of the exact value, so the
// float32 result is the correctly rounded one, or (when the exact value
// lies within 2⁻⁵⁰ of a midpoint between two float32 values) its
// neighbour: never more than 0.5 + 2⁻²⁶ ulp away. The portable kernels call
// package math, which has the same kind of bound. Special values follow
// math.Exp: NaN stays NaN, exp(−Inf) = 0, exp(+Inf) = +Inf, and results
// overflow to +Inf and underflow through the denormals to 0 as rounding
// the exact value would.
func Exp(d, a []float32) { unary(kernels.exp, expGo, d, a) }

// Sigmoid sets d[i] = 1/(1+exp(−a[i])), within the bound of Exp.
func Sigmoid(d, a []float32) { unary(kernels.sigmoid, sigmoidGo, d, a) }

// Tanh sets d[i] = tanh(a[i]), within the bound of Exp; tanh(±0) = ±0.
func Tanh(d, a []float32) { unary(kernels.tanh, tanhGo, d, a) }

func unary(k func(d, a *float32, n int), g func(d, a []float32), d, a []float32) {
	sameLen("unary", len(d), len(a))
	n := 0
	if k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], &a[0], n)
	}
	g(d[n:], a[n:])
}

// ExpSum sets e[i] = exp(float64(x[i]−m)), the difference rounded to
// float32 first, and returns the float64 sum of e: the first pass of a
// softmax over x with maximum m. Differences below −120 count as −120
// (exp(−120) ≈ 7.7e−53, which any scale of at most 1 rounds to float32 0,
// and which changes a sum holding the maximum's 1 by less than 2⁻¹⁷⁰).
func ExpSum(e []float64, x []float32, m float32) float64 {
	sameLen("ExpSum", len(e), len(x))
	n := 0
	var s float64
	if k := kernels.expSum; k != nil && len(x) >= kernels.lanes {
		n = len(x) &^ (kernels.lanes - 1)
		s = k(&e[0], &x[0], m, n)
	}
	for i, v := range x[n:] {
		t := math.Exp(max(float64(v-m), -120))
		e[n+i] = t
		s += t
	}
	return s
}

// ScaleConvert sets d[i] = float32(e[i]·s): the second pass of a softmax.
func ScaleConvert(d []float32, e []float64, s float64) {
	sameLen("ScaleConvert", len(d), len(e))
	n := 0
	if k := kernels.scaleCvt; k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], &e[0], s, n)
	}
	for i, v := range e[n:] {
		d[n+i] = float32(v * s)
	}
}

// ShiftConvert sets d[i] = float32(float64(x[i]−m) − ls), the difference
// rounded to float32 first: a log-softmax given the maximum m and ls, the
// log of ExpSum's result.
func ShiftConvert(d, x []float32, m float32, ls float64) {
	sameLen("ShiftConvert", len(d), len(x))
	n := 0
	if k := kernels.shiftCvt; k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], &x[0], m, ls, n)
	}
	for i, v := range x[n:] {
		d[n+i] = float32(float64(v-m) - ls)
	}
}

func expGo(d, a []float32) {
	for i, x := range a[:len(d)] {
		d[i] = float32(math.Exp(float64(x)))
	}
}

func sigmoidGo(d, a []float32) {
	for i, x := range a[:len(d)] {
		d[i] = float32(1 / (1 + math.Exp(-float64(x))))
	}
}

func tanhGo(d, a []float32) {
	for i, x := range a[:len(d)] {
		d[i] = float32(math.Tanh(float64(x)))
	}
}
