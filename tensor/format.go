package tensor

import (
	"strconv"
	"strings"
)

// summarizeAbove is the size above which String shows only the first and
// last few entries of each axis, as NumPy does.
const summarizeAbove = 1000

// String formats t like NumPy: nested brackets, one row per line, with
// "..." in place of the middle of long axes. A tensor whose computation
// failed formats as its error.
func (t *Tensor) String() string {
	data, err := t.Data()
	if err != nil {
		return "tensor error: " + err.Error()
	}
	var sb strings.Builder
	edge := -1
	if len(data) > summarizeAbove {
		edge = 3
	}
	formatAxis(&sb, data, t.shape, contiguousStrides(t.shape), 0, 0, edge)
	return sb.String()
}

func formatAxis(sb *strings.Builder, data []float32, shape, strides []int, ax, off, edge int) {
	if ax == len(shape) {
		sb.WriteString(strconv.FormatFloat(float64(data[off]), 'g', -1, 32))
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
		formatAxis(sb, data, shape, strides, ax+1, off+i*strides[ax], edge)
	}
	sb.WriteByte(']')
}
