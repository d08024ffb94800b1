//go:build !glfw

package view

import "github.com/vktensor/vktensor/gpu"

// WindowSupport is false in builds without the glfw tag: OpenWindow and
// Prepare return ErrNoWindowSupport.
const WindowSupport = false

// Prepare returns ErrNoWindowSupport.
func Prepare() (instanceExts, deviceExts []string, err error) { return nil, nil, ErrNoWindowSupport }

// Terminate does nothing.
func Terminate() {}

// Window is a window that the build without the glfw tag cannot open.
type Window struct{}

// OpenWindow returns ErrNoWindowSupport.
func OpenWindow(*gpu.Device, string, int, int) (*Window, error) { return nil, ErrNoWindowSupport }

// Poll does nothing.
func (*Window) Poll() {}

// Closed reports true.
func (*Window) Closed() bool { return true }

// Paused reports false.
func (*Window) Paused() bool { return false }

// Wait does nothing.
func (*Window) Wait(float64) {}

// Draw returns ErrNoWindowSupport.
func (*Window) Draw(*Frame) error { return ErrNoWindowSupport }

// Close does nothing.
func (*Window) Close() {}
