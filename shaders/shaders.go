// Package shaders holds vktensor's GLSL compute kernels and their SPIR-V.
//
// The *.comp sources in this directory are compiled by `go generate
// ./shaders` (glslc -O --target-env=vulkan1.1); the resulting .spv files are
// committed and embedded, so building vktensor needs no shader compiler.
// TestSPIRVUpToDate recompiles every source and fails if a committed .spv is
// stale, and runs spirv-val on each.
//
// Conventions shared by all kernels (details in each source's header):
//   - storage buffers at set 0, binding 0 = destination, 1.. = sources;
//   - offsets, shapes and strides in elements of the operand's dtype, in
//     push constants (at most 128 bytes, the Vulkan minimum);
//   - element types as in dtype.glsl: 16-bit floats are read and written as
//     uint16_t only by the builds compiled with -DD16 (the "16" variants),
//     the only modules that need storageBuffer16BitAccess;
//   - specialization constant 0 is the workgroup size (local_size_x_id = 0);
//   - 1-D work uses a 2-D grid, x capped by the device limit, and the
//     linear invocation index (gy*nx + gx)*size + local.
package shaders

import (
	"embed"
	"sort"
	"strings"
)

//go:generate go run gen.go

//go:embed *.spv
var files embed.FS

// Get returns the SPIR-V of the named kernel ("matmul" or "matmul.spv"), or
// nil if there is no such kernel.
func Get(name string) []byte {
	if !strings.HasSuffix(name, ".spv") {
		name += ".spv"
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}

// Names lists the embedded kernels without the .spv suffix, sorted.
func Names() []string {
	ents, _ := files.ReadDir(".")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".spv"))
	}
	sort.Strings(out)
	return out
}
