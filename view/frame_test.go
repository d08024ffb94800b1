package view

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/gpu"
)

// openDevice opens a Vulkan device (lavapipe on machines without a GPU)
// with the validation layer on, unless VKT_PARITY_VALIDATE=0.
func openDevice(t *testing.T) *gpu.Device {
	t.Helper()
	validate := os.Getenv("VKT_PARITY_VALIDATE") != "0"
	d, err := gpu.Open(gpu.Options{Validate: validate, AllowCPU: true})
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if msgs := d.ValidationMessages(); len(msgs) > 0 {
			t.Errorf("validation messages:\n%s", strings.Join(msgs, "\n"))
		}
		d.Close()
	})
	return d
}

// testFrame is a frame with known inputs: digit i is a uniform square of
// grey (i+1)/64 inside a black margin, predictions are right for even i
// and wrong for odd i, weight image t is a constant (t-16)/16, the loss is
// flat at half its axis and the accuracy at 95 of 90..100.
func testFrame() *Frame {
	f := &Frame{
		Title:       "vktensor 0123456789",
		Status:      "EPOCH 1/2",
		DigitImages: make([]float32, Digits*DigitPixels),
		DigitScale:  1,
		Pred:        make([]int, Digits),
		Label:       make([]int, Digits),
		Loss:        []Point{{0, 0.5}, {1, 0.5}},
		LossMax:     1,
		Accuracy:    []Point{{0, 95}, {0.5, 95}},
		AccuracyMin: 90,
		Weights:     make([]float32, MaxWeights*DigitPixels),
		WeightCount: MaxWeights,
		WeightSize:  28,
		WeightTitle: "first-layer weights",
	}
	for i := range Digits {
		for y := 4; y < 24; y++ {
			for x := 4; x < 24; x++ {
				f.DigitImages[i*DigitPixels+y*28+x] = float32(i+1) / 64
			}
		}
		f.Label[i] = i % 10
		f.Pred[i] = i % 10
		if i%2 == 1 {
			f.Pred[i] = (i + 1) % 10
		}
	}
	for t := range MaxWeights {
		for p := range DigitPixels {
			f.Weights[t*DigitPixels+p] = float32(t-16) / 16
		}
	}
	return f
}

func rgba(c uint32) color.RGBA {
	return color.RGBA{uint8(c), uint8(c >> 8), uint8(c >> 16), uint8(c >> 24)}
}

func TestRenderKnownPixels(t *testing.T) {
	d := openDevice(t)
	r, err := NewRenderer(d)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := testFrame()
	if err := r.Render(f); err != nil {
		t.Fatal(err)
	}
	img, err := r.Image()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("VIEW_TEST_PNG") != "" {
		if err := WritePNG(os.Getenv("VIEW_TEST_PNG"), img); err != nil {
			t.Fatal(err)
		}
	}
	l := DefaultLayout
	at := func(x, y int) color.RGBA { return img.RGBAAt(x, y) }
	check := func(what string, x, y int, want color.RGBA) {
		t.Helper()
		if got := at(x, y); got != want {
			t.Errorf("%s at (%d, %d): got %v, want %v", what, x, y, got, want)
		}
	}
	g := func(v uint8) color.RGBA { return color.RGBA{v, v, v, 255} }

	// Digit cells: cell (col 3, row 2) is digit 19 (odd: wrong, red);
	// cell (col 2, row 2) is digit 18 (even: right, green).
	cell := func(i int) (int, int) { return l.Grid.X + i%8*l.Cell, l.Grid.Y + i/8*l.Cell }
	x0, y0 := cell(19)
	check("wrong border", x0, y0+30, rgba(l.BadColor))
	check("wrong border (right edge)", x0+l.Cell-1, y0+30, rgba(l.BadColor))
	x1, y1 := cell(18)
	check("right border", x1+30, y1, rgba(l.GoodColor))
	check("right border (bottom)", x1+30, y1+l.Cell-2, rgba(l.GoodColor))
	// Digit pixel (10, 10) of digit 19 at scale 2 with a 4-pixel margin.
	check("digit pixel", x0+4+2*10, y0+4+2*10+1, g(80)) // 20/64*255 = 79.7, rounded
	check("digit margin", x0+4+2*1, y0+4+2*1, g(0))
	// Label glyph of digit 18 (predicted 8): top row of '8' is .###. at
	// glyph origin (cell-4-7, 4+1); column 1 is ink, column 0 is not.
	gx, gy := x1+l.Cell-4-7, y1+4+1
	check("label glyph ink", gx+1, gy, rgba(l.GoodColor))
	check("label glyph background", gx, gy, g(0))

	// Loss flat at 0.5 of the plot height: rows h-1-0.5*(h-1) ± 1.
	ly := l.Plot.Y + l.Plot.H - 1 - (l.Plot.H-1)/2
	check("plot panel above the curve", l.Plot.X+101, ly-10, rgba(0xff201a18))
	// Accuracy 95 on 90..100 is half height too, but only for x ≤ 0.5; the
	// accuracy series is drawn after the loss, so it wins where both are.
	check("accuracy curve", l.Plot.X+50, ly, rgba(l.AccuracyColor))
	check("loss curve past the accuracy", l.Plot.X+300, ly, rgba(l.LossColor))
	check("plot frame", l.Plot.X, l.Plot.Y+33, rgba(0xff605850))

	// Weight tile 0 is -1 (full blue), tile 31 is 15/16 orange.
	check("negative weight", l.Weights.X+10, l.Weights.Y+10, color.RGBA{38, 128, 255, 255})
	wx := l.Weights.X + 7*l.WeightCell + 10
	wy := l.Weights.Y + 3*l.WeightCell + 10
	check("positive weight", wx, wy, color.RGBA{239, 131, 24, 255}) // 15/16 × (1, 0.55, 0.1)

	// Title glyph: 'v' is drawn with 'V' (#...# on its first row) at scale 2.
	tx, ty := l.Title[0], l.Title[1]
	check("glyph ink", tx, ty, rgba(l.TextColor))
	check("glyph ink (scaled)", tx+1, ty+1, rgba(l.TextColor))
	check("glyph gap", tx+2*2, ty, rgba(l.Background))
	check("background", Width-2, Height-2, rgba(l.Background))
}

func TestRenderScaledAndBGRA(t *testing.T) {
	d := openDevice(t)
	r, err := NewRenderer(d)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Twice as wide as the canvas's aspect: half scale, centred.
	if err := r.Resize(1024, 300); err != nil {
		t.Fatal(err)
	}
	r.SetBGRA(true)
	if err := r.Render(testFrame()); err != nil {
		t.Fatal(err)
	}
	img, err := r.Image()
	if err != nil {
		t.Fatal(err)
	}
	l := DefaultLayout
	scale, ox, oy := placement(1024, 300)
	if scale != 0.5 || ox != 256 || oy != 0 {
		t.Fatalf("placement: scale %v, offset (%d, %d)", scale, ox, oy)
	}
	// left of the canvas: black
	if got := img.RGBAAt(10, 150); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("letterbox: got %v", got)
	}
	// a wrong cell's border, with red and blue swapped
	x := ox + (l.Grid.X+3*l.Cell)/2
	y := oy + (l.Grid.Y+2*l.Cell+30)/2
	want := rgba(l.BadColor)
	want.R, want.B = want.B, want.R
	if got := img.RGBAAt(x, y); got != want {
		t.Errorf("BGRA wrong border at (%d, %d): got %v, want %v", x, y, got, want)
	}
}

func TestFirstFrameNeedsDigits(t *testing.T) {
	d := openDevice(t)
	r, err := NewRenderer(d)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := testFrame()
	f.DigitImages = nil
	if err := r.Render(f); err == nil {
		t.Error("Render without digits succeeded")
	}
	f = testFrame()
	f.WeightCount = MaxWeights + 1
	if err := r.Render(f); err == nil {
		t.Error("Render with too many weight images succeeded")
	}
}

func TestWritePNG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{1, 2, 3, 255})
	path := filepath.Join(t.TempDir(), "x.png")
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	back, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := back.At(1, 1).RGBA(); r>>8 != 1 || g>>8 != 2 || b>>8 != 3 {
		t.Errorf("pixel (1, 1) came back as %d %d %d", r>>8, g>>8, b>>8)
	}
}

func TestFontCoversText(t *testing.T) {
	// every glyph is 7 rows of 5 columns
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != 5 || strings.Trim(row, ".#") != "" {
				t.Errorf("glyph %q has a bad row %q", r, row)
			}
		}
	}
	// the digits 0..9 differ from each other
	seen := map[[7]uint8]rune{}
	for r := '0'; r <= '9'; r++ {
		g := glyphRows(r)
		if o, ok := seen[g]; ok {
			t.Errorf("glyphs %q and %q are the same", o, r)
		}
		seen[g] = r
	}
	if glyphRows('a') != glyphRows('A') || glyphRows('~') != glyphRows('?') {
		t.Error("lower-case or unknown fallback broken")
	}
}
