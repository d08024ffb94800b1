package gpu

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The build without cgo (nocgo.go) must offer the same API as the real
// one, or programs that build with cgo stop building without it.
func TestNoCgoAPI(t *testing.T) {
	withCgo, without := exportedAPI(t, true), exportedAPI(t, false)
	for _, d := range withCgo {
		if !slices.Contains(without, d) {
			t.Errorf("missing without cgo (nocgo.go): %s", d)
		}
	}
	for _, d := range without {
		if !slices.Contains(withCgo, d) {
			t.Errorf("only without cgo (nocgo.go): %s", d)
		}
	}
}

// exportedAPI lists the exported declarations of the package's non-test
// files in a build with or without cgo, as "func (*Device) Alloc(int)
// (*Buffer, error)", "type Device", "var ErrNoLoader".
func exportedAPI(t *testing.T, cgo bool) []string {
	t.Helper()
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = runtime.GOOS, runtime.GOARCH, cgo
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	typeString := func(e ast.Expr) string {
		var b bytes.Buffer
		printer.Fprint(&b, fset, e)
		return b.String()
	}
	fields := func(fl *ast.FieldList) string {
		if fl == nil {
			return ""
		}
		var ts []string
		for _, f := range fl.List {
			for range max(len(f.Names), 1) {
				ts = append(ts, typeString(f.Type))
			}
		}
		return strings.Join(ts, ", ")
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(".", name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				recv := ""
				if d.Recv != nil {
					recv = "(" + fields(d.Recv) + ") "
				}
				out = append(out, "func "+recv+d.Name.Name+"("+fields(d.Type.Params)+") ("+fields(d.Type.Results)+")")
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							out = append(out, "type "+s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								out = append(out, d.Tok.String()+" "+n.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
