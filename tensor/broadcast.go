package tensor

import (
	"fmt"
	"slices"
)

// BroadcastShapes returns the shape that shapes broadcast to under NumPy's
// rule, or a *ShapeError naming op, the shapes and the first axis (counted
// from the end, as -1, -2, ...) where they conflict. Shapes are aligned at
// their last axis; on each axis the sizes must be equal or 1, and the result
// takes the size that is not 1 (0 when one is 0).
func BroadcastShapes(op string, shapes ...[]int) ([]int, error) {
	r := 0
	for _, s := range shapes {
		for i, d := range s {
			if d < 0 {
				return nil, &ShapeError{Op: op, Shapes: shapes, Reason: fmt.Sprintf("have a negative dimension %d at axis %d", d, i)}
			}
		}
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for i := 1; i <= r; i++ {
		for _, s := range shapes {
			if len(s) < i {
				continue
			}
			d := s[len(s)-i]
			switch o := out[r-i]; {
			case d == o || d == 1:
			case o == 1:
				out[r-i] = d
			default:
				return nil, &ShapeError{Op: op, Shapes: cloneShapes(shapes), Reason: fmt.Sprintf("do not broadcast: axis %d is %d vs %d", -i, o, d)}
			}
		}
	}
	if axis := overflowAxis(out); axis >= 0 {
		return nil, &ShapeError{Op: op, Shapes: cloneShapes(shapes), Reason: fmt.Sprintf("broadcast to %v, more than %d elements", out, maxSize)}
	}
	return out, nil
}

func cloneShapes(shapes [][]int) [][]int {
	out := make([][]int, len(shapes))
	for i, s := range shapes {
		out[i] = slices.Clone(s)
	}
	return out
}

// mustBroadcast is BroadcastShapes for ops: it panics with the error.
func mustBroadcast(op string, ts ...*Tensor) []int {
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	out, err := BroadcastShapes(op, shapes...)
	if err != nil {
		panic(err)
	}
	return out
}
