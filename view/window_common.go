package view

import "errors"

// ErrNoWindowSupport is returned by Prepare and OpenWindow in builds
// without the glfw tag.
var ErrNoWindowSupport = errors.New("the live view window needs a build with GLFW: go run -tags glfw ./cmd/mnist-gpu -view " +
	"(cgo then needs the X11 development packages: libx11-dev libxrandr-dev libxinerama-dev libxcursor-dev libxi-dev libxxf86vm-dev libgl-dev)")
