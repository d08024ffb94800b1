package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vktensor/vktensor/internal/trainer"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writePlot draws loss (left) and test accuracy (right) per epoch into a
// PNG file.
func writePlot(path, title string, hist []trainer.Epoch) error {
	loss := plot.New()
	loss.Title.Text = title + ": loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "cross-entropy"
	acc := plot.New()
	acc.Title.Text = title + ": test accuracy"
	acc.X.Label.Text = "epoch"
	acc.Y.Label.Text = "%"

	train, test, accPts := make(plotter.XYs, len(hist)), make(plotter.XYs, len(hist)), make(plotter.XYs, len(hist))
	for i, h := range hist {
		train[i] = plotter.XY{X: float64(h.Epoch), Y: h.TrainLoss}
		test[i] = plotter.XY{X: float64(h.Epoch), Y: h.TestLoss}
		accPts[i] = plotter.XY{X: float64(h.Epoch), Y: h.Accuracy}
	}
	if err := addLine(loss, "train", train, 0); err != nil {
		return err
	}
	if err := addLine(loss, "test", test, 1); err != nil {
		return err
	}
	if err := addLine(acc, "test", accPts, 2); err != nil {
		return err
	}

	img := vgimg.New(12*vg.Inch, 4.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	plots := [][]*plot.Plot{{loss, acc}}
	canvases := plot.Align(plots, tiles, dc)
	loss.Draw(canvases[0][0])
	acc.Draw(canvases[0][1])
	// A temporary file renamed over path: a failure leaves no partial PNG
	// and no truncated old one.
	f, err := os.CreateTemp(filepath.Dir(path), ".plot-*.png")
	if err != nil {
		return fmt.Errorf("writing plot %s: %w", path, err)
	}
	_, err = (vgimg.PngCanvas{Canvas: img}).WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing plot %s: %w", path, err)
	}
	return nil
}

func addLine(p *plot.Plot, name string, pts plotter.XYs, color int) error {
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	l.Color = plotutil.Color(color)
	s.Color = plotutil.Color(color)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	p.Add(plotter.NewGrid())
	return nil
}
