//go:build cgo

package gpu

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoFinalizerFreedCalls checks that gpu and view call none of
// vulkan-go's functions whose C copies of their arguments are freed by a
// finalizer (which the collector may run while Vulkan still reads them):
// those calls go through our C helpers. The list is derived from
// vulkan-go's own source, so a new call of that kind fails here.
func TestNoFinalizerFreedCalls(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/vulkan-go/vulkan").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("cannot locate vulkan-go's source: %v", err)
	}
	risky := finalizerFreedCalls(t, dir)
	for _, name := range []string{"CreateComputePipelines", "CreateDescriptorSetLayout", "CreateInstance", "QueueSubmit", "CmdPipelineBarrier"} {
		if !risky[name] {
			t.Fatalf("the analysis of vulkan-go missed %s (found %d functions)", name, len(risky))
		}
	}
	for _, pkg := range []string{".", "../view"} {
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				if pkg != "." && strings.Contains(imp.Path.Value, "vulkan-go") {
					t.Errorf("%s imports vulkan-go: view reaches Vulkan through gpu only", file)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "vk" && risky[sel.Sel.Name] {
					t.Errorf("%s: vk.%s frees its C copies from a finalizer; call it through a C helper", fset.Position(call.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// finalizerFreedCalls returns the vulkan-go functions that reach a helper
// setting a finalizer: directly, or through PassRef of an argument whose
// struct (or a struct in its fields) is converted by such a helper.
func finalizerFreedCalls(t *testing.T, dir string) map[string]bool {
	t.Helper()
	parse := func(name string) *ast.File {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("vulkan-go source: %v", err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	helpers, types, api := parse("cgo_helpers.go"), parse("types.go"), parse("vulkan.go")

	calls := func(body ast.Node, f func(*ast.CallExpr)) {
		ast.Inspect(body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				f(c)
			}
			return true
		})
	}
	setsFinalizer := map[string]bool{}
	for _, d := range helpers.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Body != nil {
			calls(fd.Body, func(c *ast.CallExpr) {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "SetFinalizer" {
					setsFinalizer[fd.Name.Name] = true
				}
			})
		}
	}
	callsRisky := func(body ast.Node) bool {
		found := false
		calls(body, func(c *ast.CallExpr) {
			if id, ok := c.Fun.(*ast.Ident); ok && setsFinalizer[id.Name] {
				found = true
			}
		})
		return found
	}

	// Struct field types, to follow x.Field.PassValue() into nested structs.
	fieldType := map[string]map[string]string{}
	for _, d := range types.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			ts, ok := s.(*ast.TypeSpec)
			if !ok {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			m := map[string]string{}
			for _, fl := range st.Fields.List {
				e := fl.Type
				for {
					if a, ok := e.(*ast.ArrayType); ok {
						e = a.Elt
					} else if p, ok := e.(*ast.StarExpr); ok {
						e = p.X
					} else {
						break
					}
				}
				if id, ok := e.(*ast.Ident); ok {
					for _, n := range fl.Names {
						m[n.Name] = id.Name
					}
				}
			}
			fieldType[ts.Name.Name] = m
		}
	}
	// Per struct: does its PassRef call a finalizer helper, and which
	// structs does it convert through their own PassRef/PassValue?
	direct, deps := map[string]bool{}, map[string][]string{}
	for _, d := range helpers.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || fd.Name.Name != "PassRef" || fd.Body == nil {
			continue
		}
		star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		typ := star.X.(*ast.Ident).Name
		direct[typ] = callsRisky(fd.Body)
		calls(fd.Body, func(c *ast.CallExpr) {
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "PassValue" && sel.Sel.Name != "PassRef" {
				return
			}
			// x.Field.PassValue() or x.Field[i].PassValue()
			e := sel.X
			if ix, ok := e.(*ast.IndexExpr); ok {
				e = ix.X
			}
			if fs, ok := e.(*ast.SelectorExpr); ok {
				if ft := fieldType[typ][fs.Sel.Name]; ft != "" {
					deps[typ] = append(deps[typ], ft)
				}
			}
		})
	}
	riskyType := map[string]bool{}
	var visit func(string, []string) bool
	visit = func(typ string, path []string) bool {
		if direct[typ] {
			return true
		}
		if slices.Contains(path, typ) {
			return false
		}
		for _, dep := range deps[typ] {
			if visit(dep, append(path, typ)) {
				return true
			}
		}
		return false
	}
	for typ := range direct {
		riskyType[typ] = visit(typ, nil)
	}

	risky := map[string]bool{}
	for _, d := range api.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Body == nil {
			continue
		}
		if callsRisky(fd.Body) {
			risky[fd.Name.Name] = true
			continue
		}
		params := map[string]string{}
		for _, p := range fd.Type.Params.List {
			if star, ok := p.Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok {
					for _, n := range p.Names {
						params[n.Name] = id.Name
					}
				}
			}
		}
		calls(fd.Body, func(c *ast.CallExpr) {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "PassRef" {
				if id, ok := sel.X.(*ast.Ident); ok && riskyType[params[id.Name]] {
					risky[fd.Name.Name] = true
				}
			}
		})
	}
	return risky
}
