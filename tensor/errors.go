package tensor

import (
	"fmt"
	"strings"
)

// ShapeError is the panic value of an op called with shapes, axes or
// indices that do not fit together: a programming error, like an index out
// of range. Its message names the op, the shapes involved and what failed,
// for example
//
//	Add: shapes [2 3] and [4] do not broadcast: axis -1 is 3 vs 4
//
// A shape is also wrong when it holds more than math.MaxInt/4 elements (the
// count whose float32 bytes still fit in an int; axes of size 0 do not
// excuse the product of the others): creation, FromSlice, Reshape,
// BroadcastTo, Expand, broadcasting ops, MatMul, Concat, Stack and Unfold
// all panic with a *ShapeError for it, as Arange does for a NaN or infinite
// start, stop or step. A shape that fits but whose storage the backend
// cannot have (more than the CPU backend's memory limit, more than the
// device's memory or buffer limits) is not a panic: it is a runtime failure
// that the tensor carries (Err).
type ShapeError struct {
	Op     string  // the op that failed, e.g. "Add"
	Shapes [][]int // the shapes of the operands involved
	Reason string  // what failed, e.g. "do not broadcast: axis -1 is 3 vs 4"
}

// Error formats the op, the shapes and the reason as one line.
func (e *ShapeError) Error() string {
	if len(e.Shapes) == 0 {
		return e.Op + ": " + e.Reason
	}
	word := "shape"
	if len(e.Shapes) > 1 {
		word = "shapes"
	}
	return fmt.Sprintf("%s: %s %s %s", e.Op, word, joinShapes(e.Shapes), e.Reason)
}

// joinShapes writes shapes as "[2 3]", "[2 3] and [4]" or "[2], [3] and [4]".
func joinShapes(shapes [][]int) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		parts[i] = fmt.Sprint(s)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// shapePanic panics with a *ShapeError.
func shapePanic(op, reason string, shapes ...[]int) {
	panic(&ShapeError{Op: op, Shapes: shapes, Reason: reason})
}

// BackendError is the panic value of an op whose operands live on
// different backends (move one with To first), or that uses a tensor after
// Release.
type BackendError struct {
	Op     string
	Reason string
}

// Error formats the op and the reason as one line.
func (e *BackendError) Error() string { return e.Op + ": " + e.Reason }
