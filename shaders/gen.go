//go:build ignore

// gen compiles every *.comp in this directory to a .spv next to it:
// go generate ./shaders (needs glslc from shaderc on PATH).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	srcs, err := filepath.Glob("*.comp")
	if err != nil || len(srcs) == 0 {
		fmt.Fprintln(os.Stderr, "gen: no *.comp files")
		os.Exit(1)
	}
	for _, src := range srcs {
		out := strings.TrimSuffix(src, ".comp") + ".spv"
		// keep the flags in step with glslcFlags in shaders_test.go
		cmd := exec.Command("glslc", "-O", "--target-env=vulkan1.1", src, "-o", out)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", src, err)
			os.Exit(1)
		}
	}
}
