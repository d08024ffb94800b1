package main

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/view"
)

// TestSnapshot trains briefly with -snapshot on the lavapipe (or GPU)
// device with validation on and checks the PNG: the canvas size, and the
// grid's borders are the right/wrong colours.
func TestSnapshot(t *testing.T) {
	needData(t)
	devs, err := gpu.Devices()
	if err != nil || len(devs) == 0 {
		t.Skipf("no Vulkan device (%v)", err)
	}
	path := filepath.Join(t.TempDir(), "view.png")
	runQuick(t, "-device", "0", "-limit", "512", "-epochs", "1", "-snapshot", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != view.Width || b.Dy() != view.Height {
		t.Fatalf("snapshot is %v, want %dx%d", b, view.Width, view.Height)
	}
	l := view.DefaultLayout
	good, bad := 0, 0
	for i := range view.Digits {
		x, y := l.Grid.X+i%8*l.Cell, l.Grid.Y+i/8*l.Cell
		c := color.RGBAModel.Convert(img.At(x, y+l.Cell/2)).(color.RGBA)
		switch c {
		case rgba(l.GoodColor):
			good++
		case rgba(l.BadColor):
			bad++
		default:
			t.Errorf("digit %d: border colour %v is neither right nor wrong", i, c)
		}
	}
	// one epoch on 512 samples is right on about a third of the digits
	if good == 0 || bad == 0 {
		t.Errorf("%d right and %d wrong predictions; want some of each", good, bad)
	}
}

func rgba(c uint32) color.RGBA {
	return color.RGBA{uint8(c), uint8(c >> 8), uint8(c >> 16), uint8(c >> 24)}
}

// TestViewNeedsGLFW: without the glfw build tag, -view fails at once with
// the message that says how to build it.
func TestViewNeedsGLFW(t *testing.T) {
	if view.WindowSupport {
		t.Skip("built with -tags glfw")
	}
	var out, errOut bytes.Buffer
	err := run([]string{"-view", "-device", "cpu", "-epochs", "0"}, &out, &errOut)
	if !errors.Is(err, view.ErrNoWindowSupport) {
		t.Fatalf("run -view: %v, want ErrNoWindowSupport", err)
	}
}
