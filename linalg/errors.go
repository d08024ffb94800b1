package linalg

import (
	"errors"
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// The kinds of failure an *Error wraps; test for them with errors.Is.
var (
	// ErrSingular: the matrix has no inverse (an exact zero pivot in LU).
	ErrSingular = errors.New("singular matrix")
	// ErrNotPositiveDefinite: Cholesky met a pivot that is not positive.
	ErrNotPositiveDefinite = errors.New("matrix is not positive definite")
	// ErrRankDeficient: Lstsq met a numerically rank-deficient matrix.
	ErrRankDeficient = errors.New("matrix is rank-deficient")
	// ErrNoConvergence: the eigenvalue or SVD iteration did not converge.
	ErrNoConvergence = errors.New("iteration did not converge")
)

// Error is the runtime failure of one matrix of a batch, carried by the
// results of the op (their Err and Data return it). It names the op and
// the matrix: Batch is its row-major index over the leading axes (0 for a
// single matrix), and Index the same as one index per leading axis.
type Error struct {
	Op     string // e.g. "Solve"
	Batch  int
	Index  []int
	Kind   error  // ErrSingular, ErrNotPositiveDefinite, ...
	Detail string // e.g. "U[2,2] = 0"
}

// Error formats the op, the matrix (for a batch) and the failure as one
// line, e.g.
//
//	linalg.Solve: matrix 3 (index [1 0]) of the batch: singular matrix (U[2,2] = 0)
//	linalg.Cholesky: matrix is not positive definite (the leading minor of order 2 is not positive)
func (e *Error) Error() string {
	s := "linalg." + e.Op + ": "
	if len(e.Index) > 0 {
		s += fmt.Sprintf("matrix %d (index %v) of the batch: ", e.Batch, e.Index)
	}
	s += e.Kind.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns Kind, so that errors.Is(err, ErrSingular) works.
func (e *Error) Unwrap() error { return e.Kind }

// shapePanic panics with a *tensor.ShapeError naming the op.
func shapePanic(op, reason string, shapes ...[]int) {
	panic(&tensor.ShapeError{Op: "linalg." + op, Shapes: shapes, Reason: reason})
}
