package tensor

// WithErr returns a view of t, sharing its storage, that carries err as
// its runtime failure (see Err): Data returns err, and every tensor
// computed from the view carries it too. It is for ops defined outside this
// package that detect a failure while computing their result, such as
// package linalg finding a singular matrix. It returns t itself when err is
// nil or t already carries a failure (the first one is kept).
func WithErr(t *Tensor, err error) *Tensor {
	if err == nil || t.err != nil {
		return t
	}
	v := t.view(t.shape, t.strides, t.offset)
	v.err = err
	return v
}
