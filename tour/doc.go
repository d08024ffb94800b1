// Package tour holds the runnable examples behind docs/tour.md, a guided
// path from a linear map of the plane to the MNIST network: every code
// block of the tour is the body of one Example here, checked by go test.
package tour
