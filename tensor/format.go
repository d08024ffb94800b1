package tensor

import (
	"strconv"
	"strings"

	"github.com/vktensor/vktensor/tensor/internal/half"
)

// summarizeAbove is the size above which String shows only the first and
// last few entries of each axis, as NumPy does.
const summarizeAbove = 1000

// String formats t like NumPy: nested brackets, one row per line, with
// "..." in place of the middle of long axes. A tensor whose computation
// failed formats as its error.
// Each element is written in the fewest digits that read back as the same
// value of its dtype (an Int32 element as an integer).
func (t *Tensor) String() string {
	var elem func(i int) string
	if t.DType() == Int32 {
		data, err := t.Int32s()
		if err != nil {
			return "tensor error: " + err.Error()
		}
		elem = func(i int) string { return strconv.Itoa(int(data[i])) }
	} else {
		data, err := t.Data()
		if err != nil {
			return "tensor error: " + err.Error()
		}
		var round func(float32) float32 // nil: float32 itself
		switch t.DType() {
		case Float16:
			round = half.RoundF16
		case BFloat16:
			round = half.RoundBF16
		}
		elem = func(i int) string { return shortest(data[i], round) }
	}
	var sb strings.Builder
	edge := -1
	if t.Size() > summarizeAbove {
		edge = 3
	}
	formatAxis(&sb, elem, t.shape, contiguousStrides(t.shape), 0, 0, edge)
	return sb.String()
}

// shortest formats x, a value of the dtype round rounds to, in the fewest
// significant digits that round back to x.
// (nil round: x is a float32). The digits are those of the float32 nearest
// the shortest decimal, written as Go writes float32s.
func shortest(x float32, round func(float32) float32) string {
	if round != nil && x == x {
		for prec := 1; prec < 9; prec++ {
			s := strconv.FormatFloat(float64(x), 'e', prec-1, 32)
			if v, err := strconv.ParseFloat(s, 32); err == nil && round(float32(v)) == x {
				return strconv.FormatFloat(v, 'g', -1, 32)
			}
		}
	}
	return strconv.FormatFloat(float64(x), 'g', -1, 32)
}

func formatAxis(sb *strings.Builder, elem func(int) string, shape, strides []int, ax, off, edge int) {
	if ax == len(shape) {
		sb.WriteString(elem(off))
		return
	}
	sb.WriteByte('[')
	n := shape[ax]
	for i := 0; i < n; i++ {
		if i > 0 {
			if ax == len(shape)-1 {
				sb.WriteByte(' ')
			} else {
				sb.WriteString(strings.Repeat("\n", len(shape)-ax-1) + strings.Repeat(" ", ax+1))
			}
		}
		if edge > 0 && n > 2*edge && i == edge {
			sb.WriteString("...")
			i = n - edge - 1
			continue
		}
		formatAxis(sb, elem, shape, strides, ax+1, off+i*strides[ax], edge)
	}
	sb.WriteByte(']')
}
