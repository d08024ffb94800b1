//go:build ignore

// gen compiles every *.comp in this directory to a .spv next to it:
// go generate ./shaders (needs glslc from shaderc on PATH). A source may
// also ask for variants compiled with extra defines, one line each:
//
//	//gen:variant NAME -DX=1 -DY=2
//
// which compiles the same source with those flags to NAME.spv, and
//
//	//gen:flags -O0
//
// adds flags to every build of the source, after the standard ones (glslc
// takes the last -O). Keep the parsing in step with variants in
// shaders_test.go.
package main

import (
	"bufio"
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
		builds := [][]string{{strings.TrimSuffix(src, ".comp")}}
		f, err := os.Open(src)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		var extra []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "//gen:variant "); ok {
				builds = append(builds, strings.Fields(rest))
			}
			if rest, ok := strings.CutPrefix(sc.Text(), "//gen:flags "); ok {
				extra = append(extra, strings.Fields(rest)...)
			}
		}
		f.Close()
		for _, bl := range builds {
			// keep the flags in step with glslcFlags in shaders_test.go
			args := append([]string{"-O", "--target-env=vulkan1.1"}, extra...)
			args = append(args, bl[1:]...)
			args = append(args, src, "-o", bl[0]+".spv")
			cmd := exec.Command("glslc", args...)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "gen: %s: %v\n", bl[0], err)
				os.Exit(1)
			}
		}
	}
}
