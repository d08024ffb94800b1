package vulkan

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/shaders"
)

// abiPending lists kernels whose host side is not declared in abi.go yet,
// with the reason; every other committed kernel must be.
var abiPending = map[string]string{
	"frame":         "view's kernel: its block is declared by package view",
	"matmul_8x8_sl": "a trial build, leaving the default build",
}

// TestShaderABI compares every kernel's push-constant block and
// specialization constants, as its committed SPIR-V and its GLSL source
// declare them, with the Go declarations in abi.go: member count, offsets,
// sizes, types and names (case-insensitive), the block size, and that
// every SpecId the module uses is named on the Go side.
func TestShaderABI(t *testing.T) {
	for _, name := range shaders.Names() {
		abi, ok := kernelABIs[name]
		if !ok {
			if _, pending := abiPending[name]; !pending {
				t.Errorf("%s: no Go declaration of its interface in abi.go", name)
			}
			continue
		}
		in, err := shaders.Reflect(name)
		if err != nil {
			t.Fatal(err)
		}
		glslNames, err := pushMemberNames(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPushBlock(t, name, abi.push, in.Push, glslNames)
		for _, c := range in.Spec {
			if int(c.ID) >= len(abi.spec) || abi.spec[c.ID] == "" {
				t.Errorf("%s: SpecId %d (%s) is not named in abi.go", name, c.ID, c.Type)
			} else if c.Type != "uint" {
				t.Errorf("%s: SpecId %d (%s) is a %s; the host passes uint32", name, c.ID, abi.spec[c.ID], c.Type)
			}
		}
	}
}

func checkPushBlock(t *testing.T, name string, push any, b *shaders.Block, glslNames []string) {
	t.Helper()
	if push == nil || b == nil {
		if (push == nil) != (b == nil) {
			t.Errorf("%s: Go declares push constants %T, SPIR-V block %v", name, push, b)
		}
		return
	}
	rt := reflect.TypeOf(push)
	if rt.NumField() != len(b.Members) || len(glslNames) != len(b.Members) {
		t.Errorf("%s: %T has %d fields, the SPIR-V block %d members, the GLSL block %d", name, push, rt.NumField(), len(b.Members), len(glslNames))
		return
	}
	if int(rt.Size()) != b.Size {
		t.Errorf("%s: %T is %d bytes, the block %d", name, push, rt.Size(), b.Size)
	}
	for i, m := range b.Members {
		f := rt.Field(i)
		if int(f.Offset) != m.Offset || int(f.Type.Size()) != m.Size || goType(f.Type) != glslType(m.Type) {
			t.Errorf("%s: field %s (%s at %d, %d bytes) vs member %d (%s at %d, %d bytes)", name, f.Name, f.Type, f.Offset, f.Type.Size(), i, m.Type, m.Offset, m.Size)
		}
		if !strings.EqualFold(f.Name, glslNames[i]) {
			t.Errorf("%s: field %d is %s in Go, %s in GLSL", name, i, f.Name, glslNames[i])
		}
	}
}

// goType and glslType reduce both sides to "scalar×count".
func goType(t reflect.Type) string {
	n := 1
	if t.Kind() == reflect.Array {
		n, t = t.Len(), t.Elem()
	}
	return fmt.Sprintf("%s×%d", map[reflect.Kind]string{reflect.Uint32: "uint", reflect.Int32: "int", reflect.Float32: "float"}[t.Kind()], n)
}

func glslType(s string) string {
	if m := regexp.MustCompile(`^(uint|int|float)\[(\d+)\]$`).FindStringSubmatch(s); m != nil {
		return m[1] + "×" + m[2]
	}
	if m := regexp.MustCompile(`^(u|i)?vec(\d)$`).FindStringSubmatch(s); m != nil {
		return map[string]string{"u": "uint", "i": "int", "": "float"}[m[1]] + "×" + m[2]
	}
	return s + "×1"
}

// pushMemberNames returns the member names of the push-constant block in
// the GLSL source of kernel (a //gen:variant build reads its base source),
// following #include.
func pushMemberNames(kernel string) ([]string, error) {
	src, err := kernelSource(kernel)
	if err != nil {
		return nil, err
	}
	text, err := withIncludes(src)
	if err != nil {
		return nil, err
	}
	at := strings.Index(text, "layout(push_constant)")
	if at < 0 {
		return nil, nil
	}
	open := strings.Index(text[at:], "{")
	end := strings.Index(text[at:], "}")
	if open < 0 || end < open {
		return nil, fmt.Errorf("unterminated push-constant block")
	}
	body := regexp.MustCompile(`//[^\n]*`).ReplaceAllString(text[at+open+1:at+end], "")
	var names []string
	for _, decl := range strings.Split(body, ";") {
		fields := strings.Fields(strings.ReplaceAll(decl, ",", " , "))
		if len(fields) < 2 {
			continue
		}
		for _, f := range fields[1:] {
			if f != "," {
				names = append(names, strings.SplitN(f, "[", 2)[0])
			}
		}
	}
	return names, nil
}

// kernelSource is the .comp file kernel is compiled from.
func kernelSource(kernel string) (string, error) {
	dir := filepath.Join("..", "..", "shaders")
	if _, err := os.Stat(filepath.Join(dir, kernel+".comp")); err == nil {
		return filepath.Join(dir, kernel+".comp"), nil
	}
	srcs, _ := filepath.Glob(filepath.Join(dir, "*.comp"))
	for _, s := range srcs {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", err
		}
		if regexp.MustCompile(`(?m)^//gen:variant ` + regexp.QuoteMeta(kernel) + `\s`).Match(b) {
			return s, nil
		}
	}
	return "", fmt.Errorf("no source for kernel %q", kernel)
}

func withIncludes(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	inc := regexp.MustCompile(`(?m)^#include "([^"]+)"`)
	var errOut error
	out := inc.ReplaceAllStringFunc(string(b), func(line string) string {
		sub, err := withIncludes(filepath.Join(filepath.Dir(path), inc.FindStringSubmatch(line)[1]))
		if err != nil {
			errOut = err
		}
		return sub
	})
	return out, errOut
}
