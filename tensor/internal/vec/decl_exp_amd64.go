//go:build !purego

package vec

// Assembly in exp_amd64.s. Each processes n elements, a multiple of 8,
// without bounds checks.

//go:noescape
func expAVX2(d, a *float32, n int)

//go:noescape
func expAVX512(d, a *float32, n int)

//go:noescape
func sigmoidAVX2(d, a *float32, n int)

//go:noescape
func sigmoidAVX512(d, a *float32, n int)

//go:noescape
func tanhAVX2(d, a *float32, n int)

//go:noescape
func tanhAVX512(d, a *float32, n int)

//go:noescape
func expSumAVX2(e *float64, x *float32, m float32, n int) float64

//go:noescape
func expSumAVX512(e *float64, x *float32, m float32, n int) float64

//go:noescape
func scaleCvtAVX2(d *float32, e *float64, s float64, n int)

//go:noescape
func scaleCvtAVX512(d *float32, e *float64, s float64, n int)

//go:noescape
func shiftCvtAVX2(d, x *float32, m float32, ls float64, n int)

//go:noescape
func shiftCvtAVX512(d, x *float32, m float32, ls float64, n int)

// Assembly in transpose_amd64.s.

//go:noescape
func transpose8AVX2(d *float32, ld int, a *float32, la int)

// Assembly in exp32_amd64.s.

//go:noescape
func expSum32AVX2(d, x *float32, m float32, n int) float64

//go:noescape
func expSum32AVX512(d, x *float32, m float32, n int) float64
