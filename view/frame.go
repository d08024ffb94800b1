// Package view draws the live training view of cmd/mnist-gpu: one frame
// showing an 8×8 grid of test digits with the network's current prediction
// for each (green border when right, red when wrong), the loss and
// test-accuracy curves so far, the first layer's weights as images, and a
// few lines of text (device, epoch, step, samples/s).
//
// A [Frame] holds the inputs ([Source] computes them for a training run:
// the predictions and weight images on the training device); a [Renderer]
// turns them into pixels with one
// compute shader (shaders/frame.comp) that writes packed RGBA8 into a
// storage buffer. That buffer is either read back ([Renderer.Image],
// [WritePNG]: the headless -snapshot path) or copied into a window's
// swapchain image ([Window], only in builds with the glfw tag). The text
// uses a 5×7 bitmap font drawn for this package and uploaded as a storage
// buffer.
//
// The picture is laid out on a fixed logical canvas of [Width]×[Height]
// pixels ([Layout] gives every region); the shader scales it to the output
// size, keeping the aspect ratio.
package view

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/shaders"
)

// Size of the logical canvas in pixels.
const (
	Width  = 1024
	Height = 600
)

// Digits is the number of test digits in the grid (8×8), and DigitPixels
// the pixels of one 28×28 digit.
const (
	Digits      = 64
	DigitPixels = 28 * 28
	// MaxWeights is the largest number of weight images shown.
	MaxWeights = 32
)

// Rect is a rectangle on the logical canvas.
type Rect struct{ X, Y, W, H int }

// Contains reports whether (x, y) lies inside r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H
}

// Layout places the parts of the frame on the logical canvas. Positions of
// text lines are their top-left corners; glyphs are 5×7 cells on a 6×8
// pitch, multiplied by the line's scale.
type Layout struct {
	Title, Status [2]int // header lines, scale 2
	GridTitle     [2]int // scale 1
	Grid          Rect   // 8×8 cells of Cell pixels
	Cell          int
	PlotTitle     [2]int
	Plot          Rect
	PlotLegend    [2]int // axis ranges under the plot
	WeightsTitle  [2]int
	Weights       Rect // 8 columns of WeightCell pixels
	WeightCell    int
	WeightCols    int
	Footer        [2]int
	Background    uint32 // 0xAABBGGRR
	TextColor     uint32
	DimTextColor  uint32
	LossColor     uint32
	AccuracyColor uint32
	GoodColor     uint32 // border and label of a right prediction
	BadColor      uint32 // border and label of a wrong prediction
	NoneColor     uint32 // border before any prediction
	HeaderScale   int
	SectionScale  int
}

// DefaultLayout is the layout every frame uses. The colours of right and
// wrong predictions and of the plot frame are also fixed in the shader.
var DefaultLayout = Layout{
	Title:         [2]int{16, 8},
	Status:        [2]int{16, 28},
	GridTitle:     [2]int{16, 52},
	Grid:          Rect{16, 64, 8 * 64, 8 * 64},
	Cell:          64,
	PlotTitle:     [2]int{552, 52},
	Plot:          Rect{552, 64, 456, 200},
	PlotLegend:    [2]int{552, 270},
	WeightsTitle:  [2]int{552, 292},
	Weights:       Rect{552, 304, 8 * 57, 4 * 57},
	WeightCell:    57,
	WeightCols:    8,
	Footer:        [2]int{552, 560},
	Background:    0xff141210,
	TextColor:     0xffe8e8e8,
	DimTextColor:  0xffa0a0a0,
	LossColor:     0xff1a8cff, // orange
	AccuracyColor: 0xffffd040, // cyan
	GoodColor:     0xff50d050,
	BadColor:      0xff4040f0,
	NoneColor:     0xff808080,
	HeaderScale:   2,
	SectionScale:  1,
}

// Point is one sample of a curve: X is the fraction of the planned
// training done (0..1), Y the value.
type Point struct{ X, Y float64 }

// Frame is everything one picture shows. Slices are read during
// [Renderer.Render] only.
type Frame struct {
	// Title and Status are the two header lines (device and model; epoch,
	// step, samples/s).
	Title, Status string
	// Footer is a short line under the weights (key help, "paused").
	Footer string
	// DigitImages holds the grid's 64 digits, 28×28 each, row-major; a
	// pixel shows as grey clamp(v*DigitScale+DigitBias, 0, 1). Nil keeps
	// the digits of the previous frame; the same slice as last time is not
	// uploaded again.
	DigitImages []float32
	DigitScale  float32
	DigitBias   float32
	// Pred and Label are the predicted and true class of each digit; a
	// negative prediction means none yet (grey border, no label).
	Pred, Label []int
	// Loss is the training loss so far and Accuracy the test accuracy
	// (percent) after each epoch. LossMax is the top of the plot's loss
	// axis (0: the largest loss rounded up); the accuracy axis spans
	// AccuracyMin..100 (0: the lowest accuracy rounded down to a multiple
	// of 10, at most 90).
	Loss, Accuracy []Point
	LossMax        float64
	AccuracyMin    float64
	// Weights holds WeightCount images of WeightSize×WeightSize values in
	// [-1, 1] (positive orange, negative blue); WeightTitle names them.
	Weights     []float32
	WeightCount int
	WeightSize  int
	WeightTitle string
}

// Scene header word indices, as read by shaders/frame.comp.
const (
	hLW, hLH, hOW, hOH, hScale, hOX, hOY, hFlags = 0, 1, 2, 3, 4, 5, 6, 7
	hGrid                                        = 8
	hPlot                                        = 12
	hWts                                         = 16
	hWK, hWP, hWS                                = 20, 21, 22
	hDScale, hDBias                              = 23, 24
	hNText, hText, hCurves, hNCurves, hCColors   = 25, 26, 27, 28, 29
	hBG                                          = 30
	headerWords                                  = 32
	sceneWords                                   = 8192
	maxText                                      = 24
)

// flagBGRA swaps red and blue in the output (for B8G8R8A8 swapchains).
const flagBGRA = 1

// text is one line of text in the scene.
type text struct {
	x, y, scale int
	color       uint32
	s           string
}

// placement maps an output of w×h pixels onto the logical canvas: logical
// = (output - offset) / scale.
func placement(w, h int) (scale float32, ox, oy int) {
	scale = float32(math.Min(float64(w)/Width, float64(h)/Height))
	ox = int(math.Round((float64(w) - Width*float64(scale)) / 2))
	oy = int(math.Round((float64(h) - Height*float64(scale)) / 2))
	return scale, ox, oy
}

// encodeScene builds the scene buffer of f for an output of w×h pixels.
func encodeScene(f *Frame, l *Layout, w, h int, flags uint32) ([]uint32, error) {
	sc := make([]uint32, headerWords, 1024)
	scale, ox, oy := placement(w, h)
	sc[hLW], sc[hLH], sc[hOW], sc[hOH] = Width, Height, uint32(w), uint32(h)
	sc[hScale], sc[hOX], sc[hOY], sc[hFlags] = math.Float32bits(scale), uint32(int32(ox)), uint32(int32(oy)), flags
	sc[hGrid], sc[hGrid+1], sc[hGrid+2], sc[hGrid+3] = uint32(l.Grid.X), uint32(l.Grid.Y), uint32(l.Cell), 8
	sc[hPlot], sc[hPlot+1], sc[hPlot+2], sc[hPlot+3] = uint32(l.Plot.X), uint32(l.Plot.Y), uint32(l.Plot.W), uint32(l.Plot.H)
	sc[hWts], sc[hWts+1], sc[hWts+2], sc[hWts+3] = uint32(l.Weights.X), uint32(l.Weights.Y), uint32(l.WeightCell), uint32(l.WeightCols)
	k, p := f.WeightCount, f.WeightSize
	if k < 0 || k > MaxWeights || p < 0 || p > 28 || len(f.Weights) < k*p*p {
		return nil, fmt.Errorf("view: %d weight images of %d×%d (at most %d of 28×28) with %d values", k, p, p, MaxWeights, len(f.Weights))
	}
	if p == 0 {
		k = 0
	}
	sc[hWK], sc[hWP] = uint32(k), uint32(p)
	if p > 0 {
		sc[hWS] = uint32((l.WeightCell - 1) / p)
	}
	sc[hDScale], sc[hDBias] = math.Float32bits(f.DigitScale), math.Float32bits(f.DigitBias)
	sc[hBG] = l.Background

	lossMax, accMin := axes(f)
	texts := []text{
		{l.Title[0], l.Title[1], l.HeaderScale, l.TextColor, f.Title},
		{l.Status[0], l.Status[1], l.HeaderScale, l.TextColor, f.Status},
		{l.GridTitle[0], l.GridTitle[1], l.SectionScale, l.DimTextColor, "test digits and predictions: green = right, red = wrong"},
		{l.PlotTitle[0], l.PlotTitle[1], l.SectionScale, l.DimTextColor, "training loss (orange) and test accuracy (cyan)"},
		{l.PlotLegend[0], l.PlotLegend[1], l.SectionScale, l.LossColor, fmt.Sprintf("loss 0 - %.3g", lossMax)},
		{l.PlotLegend[0] + 200, l.PlotLegend[1], l.SectionScale, l.AccuracyColor, fmt.Sprintf("accuracy %g - 100%%", accMin)},
		{l.WeightsTitle[0], l.WeightsTitle[1], l.SectionScale, l.DimTextColor, f.WeightTitle},
		{l.Footer[0], l.Footer[1], l.SectionScale, l.DimTextColor, f.Footer},
	}
	sc[hNText], sc[hText] = uint32(len(texts)), headerWords
	sc = append(sc, make([]uint32, 8*len(texts))...)
	for i, t := range texts {
		maxChars := (Width - t.x) / (6 * t.scale)
		s := []rune(t.s)
		if len(s) > maxChars {
			s = s[:maxChars]
		}
		at := headerWords + 8*i
		sc[at], sc[at+1], sc[at+2], sc[at+3] = uint32(t.x), uint32(t.y), uint32(t.scale), t.color
		sc[at+4], sc[at+5] = uint32(len(sc)), uint32(len(s))
		for _, r := range s {
			if r < 32 || r > 127 {
				r = '?'
			}
			sc = append(sc, uint32(r))
		}
	}

	sc[hNCurves], sc[hCColors] = 2, uint32(len(sc))
	sc = append(sc, l.LossColor, l.AccuracyColor)
	sc[hCurves] = uint32(len(sc))
	sc = appendCurve(sc, f.Loss, l.Plot.W, 0, lossMax)
	sc = appendCurve(sc, f.Accuracy, l.Plot.W, accMin, 100)
	if len(sc) > sceneWords {
		return nil, fmt.Errorf("view: scene of %d words exceeds %d", len(sc), sceneWords)
	}
	return sc, nil
}

// axes returns the top of the loss axis and the bottom of the accuracy
// axis for f.
func axes(f *Frame) (lossMax, accMin float64) {
	lossMax = f.LossMax
	if lossMax <= 0 {
		for _, p := range f.Loss {
			lossMax = math.Max(lossMax, p.Y)
		}
		if lossMax <= 0 || math.IsNaN(lossMax) || math.IsInf(lossMax, 0) {
			lossMax = 1
		}
		// round up to a round multiple of a power of ten
		e := math.Pow(10, math.Floor(math.Log10(lossMax)))
		for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
			if m*e >= lossMax {
				lossMax = m * e
				break
			}
		}
	}
	accMin = f.AccuracyMin
	if accMin <= 0 {
		accMin = 90
		for _, p := range f.Accuracy {
			accMin = math.Min(accMin, math.Floor(p.Y/10)*10)
		}
		accMin = math.Max(accMin, 0)
	}
	return lossMax, accMin
}

// appendCurve resamples pts onto w plot columns as heights in [0, 1]
// (lo..hi), linearly between points and NaN outside them. A single point
// becomes a short dash so that it shows.
func appendCurve(sc []uint32, pts []Point, w int, lo, hi float64) []uint32 {
	col := make([]float32, w)
	nan := float32(math.NaN())
	for i := range col {
		col[i] = nan
	}
	norm := func(v float64) float32 { return float32((v - lo) / (hi - lo)) }
	x := func(p Point) float64 { return math.Max(0, math.Min(1, p.X)) * float64(w-1) }
	switch {
	case len(pts) == 1:
		c := int(math.Round(x(pts[0])))
		for i := max(c-2, 0); i <= min(c+2, w-1); i++ {
			col[i] = norm(pts[0].Y)
		}
	case len(pts) > 1:
		for i := 1; i < len(pts); i++ {
			a, b := pts[i-1], pts[i]
			xa, xb := x(a), x(b)
			for c := int(math.Ceil(xa)); c <= int(math.Floor(xb)) && c < w; c++ {
				t := 0.0
				if xb > xa {
					t = (float64(c) - xa) / (xb - xa)
				}
				col[c] = norm(a.Y + t*(b.Y-a.Y))
			}
		}
	}
	for _, v := range col {
		sc = append(sc, math.Float32bits(v))
	}
	return sc
}

// Renderer draws frames on a gpu device. It is not safe for concurrent
// use; use it from the goroutine that drives the device.
type Renderer struct {
	dev    *gpu.Device
	pipe   *gpu.Pipeline
	layout Layout

	out, scene, font, digits, classes, weights *gpu.Buffer
	w, h                                       int
	flags                                      uint32
	digitsFrom                                 *float32 // DigitImages last uploaded
}

// NewRenderer builds the frame pipeline on dev and allocates the input
// buffers and an output of Width×Height pixels.
func NewRenderer(dev *gpu.Device) (*Renderer, error) {
	pipe, err := dev.Pipeline(gpu.PipelineDesc{Name: "frame", SPIRV: shaders.Get("frame"), Bindings: 6})
	if err != nil {
		return nil, err
	}
	r := &Renderer{dev: dev, pipe: pipe, layout: DefaultLayout}
	allocs := []struct {
		b     **gpu.Buffer
		bytes int
	}{
		{&r.scene, 4 * sceneWords},
		{&r.font, 4 * 2 * 96},
		{&r.digits, 4 * Digits * DigitPixels},
		{&r.classes, 4 * 2 * Digits},
		{&r.weights, 4 * MaxWeights * DigitPixels},
	}
	for _, a := range allocs {
		if *a.b, err = dev.Alloc(a.bytes); err != nil {
			r.Close()
			return nil, err
		}
	}
	if err := dev.Upload(r.font, 0, words(fontWords())); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.Resize(Width, Height); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// words returns the little-endian bytes of ws.
func words(ws []uint32) []byte {
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return b
}

// Resize sets the output size in pixels (the logical canvas is scaled to
// fit and centred).
func (r *Renderer) Resize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("view: output of %d×%d pixels", w, h)
	}
	if w == r.w && h == r.h && r.out != nil {
		return nil
	}
	out, err := r.dev.Alloc(4 * w * h)
	if err != nil {
		return err
	}
	if r.out != nil {
		r.out.Free()
	}
	r.out, r.w, r.h = out, w, h
	return nil
}

// SetBGRA makes the output B8G8R8A8 (blue in the low byte) instead of
// R8G8B8A8, to match a swapchain format.
func (r *Renderer) SetBGRA(on bool) {
	r.flags &^= flagBGRA
	if on {
		r.flags |= flagBGRA
	}
}

// Size returns the output size in pixels.
func (r *Renderer) Size() (w, h int) { return r.w, r.h }

// Output is the buffer the frames are drawn into: w×h packed RGBA8 (or
// BGRA8) pixels, row-major. It changes on Resize.
func (r *Renderer) Output() *gpu.Buffer { return r.out }

// Render uploads f's inputs and records the frame's dispatch into the
// device's current batch. Nothing waits: the frame is ready when the batch
// has run (Image waits for it).
func (r *Renderer) Render(f *Frame) error {
	sc, err := encodeScene(f, &r.layout, r.w, r.h, r.flags)
	if err != nil {
		return err
	}
	if f.DigitImages != nil && &f.DigitImages[0] != r.digitsFrom {
		if len(f.DigitImages) != Digits*DigitPixels {
			return fmt.Errorf("view: %d digit pixels, want %d", len(f.DigitImages), Digits*DigitPixels)
		}
		if err := r.dev.UploadFloat32(r.digits, 0, f.DigitImages); err != nil {
			return err
		}
		r.digitsFrom = &f.DigitImages[0]
	}
	if r.digitsFrom == nil {
		return errors.New("view: the first frame needs DigitImages")
	}
	if len(f.Label) != Digits || (f.Pred != nil && len(f.Pred) != Digits) {
		return fmt.Errorf("view: %d predictions and %d labels, want %d", len(f.Pred), len(f.Label), Digits)
	}
	cls := make([]float32, 2*Digits)
	for i := range Digits {
		cls[i] = -1
		if f.Pred != nil {
			cls[i] = float32(f.Pred[i])
		}
		cls[Digits+i] = float32(f.Label[i])
	}
	if err := r.dev.UploadFloat32(r.classes, 0, cls); err != nil {
		return err
	}
	if n := f.WeightCount * f.WeightSize * f.WeightSize; n > 0 {
		if err := r.dev.UploadFloat32(r.weights, 0, f.Weights[:n]); err != nil {
			return err
		}
	}
	if err := r.dev.Upload(r.scene, 0, words(sc)); err != nil {
		return err
	}
	return r.dev.Dispatch(r.pipe, []gpu.BufferRange{
		r.out.Out(), r.scene.In(), r.font.In(), r.digits.In(), r.classes.In(), r.weights.In(),
	}, nil, [3]uint32{gpu.Groups(r.w, 8), gpu.Groups(r.h, 8), 1}, "frame")
}

// Image waits for the last rendered frame and returns it. With SetBGRA on,
// the channels come back swapped.
func (r *Renderer) Image() (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	if err := r.dev.Download(r.out, 0, img.Pix); err != nil {
		return nil, err
	}
	return img, nil
}

// Close frees the renderer's buffers (the pipeline belongs to the device).
func (r *Renderer) Close() {
	for _, b := range []**gpu.Buffer{&r.out, &r.scene, &r.font, &r.digits, &r.classes, &r.weights} {
		if *b != nil {
			(*b).Free()
			*b = nil
		}
	}
}

// WritePNG writes img to path as a PNG file (through a temporary file in
// the same directory, so readers never see half a picture).
func WritePNG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(dirOf(path), ".snapshot-*.png")
	if err != nil {
		return err
	}
	werr := png.Encode(tmp, img)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("view: writing %s: %w", path, werr)
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}
