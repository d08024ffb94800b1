package vulkan

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/shaders"
	"github.com/vktensor/vktensor/tensor/backend"
)

// abiPending lists kernels whose host side is not declared in abi.go yet,
// with the reason; every other committed kernel must be.
var abiPending = map[string]string{
	"frame": "view's kernel: its block is declared by package view",
}

// TestShaderABI compares every kernel's push-constant block and
// specialization constants, as its committed SPIR-V and its GLSL source
// declare them, with the Go declarations in abi.go: member count, offsets,
// sizes, types and names (case-insensitive), the block size, and each
// spec-constant struct field by field against the module's SpecIds and
// the GLSL constant names.
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
		specNames, err := specConstantNames(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSpec(t, name, abi.spec, in.Spec, specNames)
	}
}

// checkSpec compares the spec struct with the module's SpecIds and the
// GLSL names of its constants: every id the module uses is a uint32 field
// at that index named as in GLSL (SpecId 0, the workgroup size, is
// Workgroup), and every field the Go side names is one the GLSL declares.
func checkSpec(t *testing.T, name string, spec any, consts []shaders.SpecConstant, glslNames map[uint32]string) {
	t.Helper()
	rt := reflect.TypeOf(spec)
	if rt.Kind() != reflect.Struct {
		t.Errorf("%s: spec %T is not a struct", name, spec)
		return
	}
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if f.Type.Kind() != reflect.Uint32 {
			t.Errorf("%s: spec field %s is %s; spec words are uint32", name, f.Name, f.Type)
		}
		want, declared := glslNames[uint32(i)]
		switch {
		case f.Name == "_" && declared:
			t.Errorf("%s: SpecId %d (%s) is a blank field in %T", name, i, want, spec)
		case f.Name != "_" && !declared:
			t.Errorf("%s: %T.%s is SpecId %d, which the GLSL does not declare", name, spec, f.Name, i)
		case f.Name != "_" && !strings.EqualFold(f.Name, want):
			t.Errorf("%s: SpecId %d is %s in Go, %s in GLSL", name, i, f.Name, want)
		}
	}
	for _, c := range consts {
		if int(c.ID) >= rt.NumField() || rt.Field(int(c.ID)).Name == "_" {
			t.Errorf("%s: SpecId %d (%s) has no field in %T", name, c.ID, c.Type, spec)
		} else if c.Type != "uint" {
			t.Errorf("%s: SpecId %d (%s) is a %s; the host passes uint32", name, c.ID, rt.Field(int(c.ID)).Name, c.Type)
		}
	}
}

// specConstantNames returns the names of kernel's specialization constants
// in its GLSL source by SpecId, "workgroup" for local_size_x_id = 0.
func specConstantNames(kernel string) (map[uint32]string, error) {
	text, err := buildText(kernel)
	if err != nil {
		return nil, err
	}
	names := map[uint32]string{}
	if regexp.MustCompile(`layout\(\s*local_size_x_id\s*=\s*0\s*\)`).MatchString(text) {
		names[0] = "workgroup"
	}
	for _, m := range regexp.MustCompile(`layout\(\s*constant_id\s*=\s*(\d+)\s*\)\s*const\s+\w+\s+(\w+)`).FindAllStringSubmatch(text, -1) {
		var id uint32
		fmt.Sscan(m[1], &id)
		if old, dup := names[id]; dup && old != m[2] {
			return nil, fmt.Errorf("SpecId %d declared as %s and %s", id, old, m[2])
		}
		names[id] = m[2]
	}
	return names, nil
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
	text, err := buildText(kernel)
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

// buildText is the GLSL that the build kernel compiles: its source with
// the includes expanded and the #ifdef, #ifndef, #if defined(X), #elif
// defined(X), #else and #endif lines resolved for the -D flags of the
// build's //gen:variant line (none for a base build).
func buildText(kernel string) (string, error) {
	src, err := kernelSource(kernel)
	if err != nil {
		return "", err
	}
	text, err := withIncludes(src)
	if err != nil {
		return "", err
	}
	defined := map[string]bool{}
	if m := regexp.MustCompile(`(?m)^//gen:variant ` + regexp.QuoteMeta(kernel) + `\s(.*)$`).FindStringSubmatch(text); m != nil {
		for _, f := range strings.Fields(m[1]) {
			if d, ok := strings.CutPrefix(f, "-D"); ok {
				defined[strings.SplitN(d, "=", 2)[0]] = true
			}
		}
	}
	cond := regexp.MustCompile(`^#(?:el)?if\s+defined\((\w+)\)`)
	// a frame per open #if: whether its enclosing text is kept, whether a
	// branch was taken, whether the current branch is kept
	type frame struct{ outer, taken, on bool }
	var stack []frame
	on := true
	var out []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "#ifdef "), strings.HasPrefix(t, "#ifndef "), strings.HasPrefix(t, "#if "):
			c := true
			if f := strings.Fields(t); f[0] == "#ifdef" {
				c = defined[f[1]]
			} else if f[0] == "#ifndef" {
				c = !defined[f[1]]
			} else if m := cond.FindStringSubmatch(t); m != nil {
				c = defined[m[1]]
			}
			stack = append(stack, frame{on, c, on && c})
			on = on && c
		case strings.HasPrefix(t, "#elif"):
			f := &stack[len(stack)-1]
			c := true
			if m := cond.FindStringSubmatch(t); m != nil {
				c = defined[m[1]]
			}
			f.on = f.outer && !f.taken && c
			f.taken = f.taken || c
			on = f.on
		case strings.HasPrefix(t, "#else"):
			f := &stack[len(stack)-1]
			f.on = f.outer && !f.taken
			f.taken = true
			on = f.on
		case strings.HasPrefix(t, "#endif"):
			on = stack[len(stack)-1].outer
			stack = stack[:len(stack)-1]
		default:
			if on {
				out = append(out, line)
			}
		}
	}
	if len(stack) != 0 {
		return "", fmt.Errorf("%s: unterminated #if", kernel)
	}
	return strings.Join(out, "\n"), nil
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

// TestPipelineABICheck: b.pipeline's check before a build refuses a push
// struct or a spec list out of step with the kernel's SPIR-V, and a kernel
// without a declaration.
func TestPipelineABICheck(t *testing.T) {
	if n, err := checkABI("sgd", 1); err != nil || n != int(reflect.TypeOf(sgdPC{}).Size()) {
		t.Fatalf("checkABI(sgd) = %d, %v; want %d bytes", n, err, reflect.TypeOf(sgdPC{}).Size())
	}
	old := kernelABIs["sgd"]
	defer func() { kernelABIs["sgd"] = old }()
	kernelABIs["sgd"] = kernelABI{adamPC{}, groupSpec{}}
	if _, err := checkABI("sgd", 1); err == nil || !strings.Contains(err.Error(), "push-constant block is 36 bytes") {
		t.Errorf("sgd with adamPC: %v", err)
	}
	kernelABIs["sgd"] = old
	if _, err := checkABI("sgd", 2); err == nil || !strings.Contains(err.Error(), "2 specialization constants given") {
		t.Errorf("sgd with 2 spec words: %v", err)
	}
	if _, err := checkABI("frame", 1); err == nil || !strings.Contains(err.Error(), "no ABI declaration") {
		t.Errorf("frame: %v", err)
	}
}

// TestPipelineABIFailsOp: an op whose kernel's push struct is out of step
// with its SPIR-V fails with that error on its result, builds nothing, and
// leaves the backend usable.
func TestPipelineABIFailsOp(t *testing.T) {
	vk := vkBackend(t)
	// a backend of its own, so that no pipeline of sgd is cached yet
	b := &Backend{dev: vk.dev, info: vk.info, pipes: map[pipeKey]*gpu.Pipeline{}, chk: checker{stride: vk.chk.stride}}
	old := kernelABIs["sgd"]
	kernelABIs["sgd"] = kernelABI{adamPC{}, groupSpec{}}
	p, g := upload(t, b, []float32{1, 2, 3}, 3), upload(t, b, []float32{10, 20, 30}, 3)
	b.SGDStep(p, g, backend.Strided{}, backend.SGDParams{LR: 0.5})
	kernelABIs["sgd"] = old
	if err := p.Buf.Err(); err == nil || !strings.Contains(err.Error(), "sgd: its SPIR-V push-constant block is 36 bytes, vulkan.adamPC 60") {
		t.Errorf("SGDStep with adamPC declared for sgd: Err() = %v", err)
	}
	if len(b.pipes) != 0 {
		t.Errorf("%d pipelines built for the failed op", len(b.pipes))
	}
	// push constants of another struct than the pipeline's
	d := fresh(t, b, 3)
	func() {
		defer b.exit()
		if b.enter("Test", 1, d) {
			pc := struct{ N uint32 }{3} // sgdPC is 36 bytes
			b.dispatch(b.pipeline("sgd", 3, specWords(&groupSpec{Workgroup: ewGroup})), "sgd", pushBytes(&pc), [3]uint32{1, 1, 1}, out(d), in(g), in(g))
		}
	}()
	if err := d.Buf.Err(); err == nil || !strings.Contains(err.Error(), "sgd: 4 push-constant bytes given, the pipeline takes 36") {
		t.Errorf("dispatch with 4 bytes of push constants: Err() = %v", err)
	}
	q := upload(t, b, []float32{1, 2, 3}, 3)
	b.SGDStep(q, g, backend.Strided{}, backend.SGDParams{LR: 0.5})
	wantValues(t, b, "SGDStep after the failures", q, []float32{-4, -8, -12})
}

// TestPipeKeyRoom: every kernel's spec words fit the pipeline cache's key,
// so that no two specializations share a cached pipeline.
func TestPipeKeyRoom(t *testing.T) {
	for name, abi := range kernelABIs {
		if n := reflect.TypeOf(abi.spec).NumField(); n > maxSpec {
			t.Errorf("%s: %d spec constants, pipeKey holds %d", name, n, maxSpec)
		}
	}
}
