//go:build !purego

package vec

// Assembly in reduce_amd64.s.

//go:noescape
func sum64AVX2(a *float32, n int) float64

//go:noescape
func sum64AVX512(a *float32, n int) float64

//go:noescape
func acc64AVX2(acc *float64, a *float32, n int)

//go:noescape
func acc64AVX512(acc *float64, a *float32, n int)

//go:noescape
func extremeAVX2(a *float32, n int, lanes *[16]float32, isMax bool) bool

//go:noescape
func acc4RowsAVX2(acc *float64, a *float32, stride, n int)

//go:noescape
func acc4RowsAVX512(acc *float64, a *float32, stride, n int)
