package shaders

import (
	"fmt"
	"testing"
)

// TestReflect checks the parser on a kernel whose interface is known from
// its source (strided.glsl): six uvec4, a uint, two floats, five uints;
// spec constants 0 (workgroup size) to 4 (DTYPE; binary has no STYPE),
// all uint.
func TestReflect(t *testing.T) {
	in, err := Reflect("binary")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, m := range in.Push.Members {
		got += fmt.Sprintf("%d:%s ", m.Offset, m.Type)
	}
	const want = "0:uvec4 16:uvec4 32:uvec4 48:uvec4 64:uvec4 80:uvec4 96:uint 100:float 104:float 108:uint 112:uint 116:uint 120:uint 124:uint "
	if got != want || in.Push.Size != 128 {
		t.Errorf("push block %q size %d, want %q size 128", got, in.Push.Size, want)
	}
	var ids string
	for _, c := range in.Spec {
		ids += fmt.Sprintf("%d:%s ", c.ID, c.Type)
	}
	if ids != "0:uint 1:uint 2:uint 3:uint 4:uint " {
		t.Errorf("spec constants %q", ids)
	}
	// Every committed kernel parses.
	for _, name := range Names() {
		if _, err := Reflect(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := ReflectSPIRV([]byte("not spir-v at all...")); err == nil {
		t.Error("garbage parsed")
	}
}
