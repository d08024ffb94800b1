package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writePlots writes one PNG per suite into cfg.pngDir: throughput against
// size, one line per implementation (for the ops suite one panel per op;
// for the latency suite a bar chart), plus roofline.png for the GPU rows
// when -peak-gflops and -peak-gbps are given.
func writePlots(cfg config, rows []Row) error {
	if err := os.MkdirAll(cfg.pngDir, 0o755); err != nil {
		return err
	}
	for _, s := range cfg.suites {
		var sr []Row
		for _, r := range rows {
			if r.Suite == s && suiteMetric(s).value(r) > 0 {
				sr = append(sr, r)
			}
		}
		if len(sr) == 0 {
			continue
		}
		path := filepath.Join(cfg.pngDir, s+".png")
		var err error
		switch s {
		case "matmul":
			var sq []Row
			for _, r := range sr {
				if r.Op == "sgemm" {
					sq = append(sq, r)
				}
			}
			err = savePlots(path, [][]*plot.Plot{{sizePlot("matmul: square n×n·n×n, float32", "n", sq)}}, 800, 500)
		case "ops":
			err = opsPlot(path, sr)
		case precSuite:
			// One line per implementation and mode.
			for i := range sr {
				sr[i].Impl = precPlotName(sr[i])
			}
			err = savePlots(path, [][]*plot.Plot{{sizePlot("precision: square n×n·n×n per matmul precision and dtype", "n", sr)}}, 900, 560)
		default:
			err = barPlot(path, s, sr)
		}
		if err != nil {
			return fmt.Errorf("plot %s: %w", s, err)
		}
	}
	if cfg.peakGFLOPS > 0 && cfg.peakGBps > 0 {
		return rooflinePlot(filepath.Join(cfg.pngDir, "roofline.png"), cfg, rows)
	}
	return nil
}

// implsOf returns the implementations present in rows, in table order.
func implsOf(rows []Row) []string {
	var out []string
	for _, im := range implOrder {
		if slices.ContainsFunc(rows, func(r Row) bool { return r.Impl == im }) {
			out = append(out, im)
		}
	}
	for _, r := range rows {
		if !slices.Contains(out, r.Impl) {
			out = append(out, r.Impl)
		}
	}
	return out
}

// sizePlot plots the suite metric of rows against Row.N on log-log axes,
// one line per implementation.
func sizePlot(title, xlabel string, rows []Row) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	if len(rows) > 0 {
		p.Y.Label.Text = suiteMetric(rows[0].Suite).label
	}
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, pow2Ticks{}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	for i, im := range implsOf(rows) {
		var xys plotter.XYs
		for _, r := range rows {
			if v := suiteMetric(r.Suite).value(r); r.Impl == im && v > 0 && r.N > 0 {
				xys = append(xys, plotter.XY{X: float64(r.N), Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		l.Color, pts.Color = plotutil.Color(i), plotutil.Color(i)
		pts.Shape = plotutil.Shape(i)
		p.Add(l, pts)
		p.Legend.Add(im, l, pts)
	}
	return p
}

// opsPlot draws one panel per op of the ops suite.
func opsPlot(path string, rows []Row) error {
	var names []string
	for _, r := range rows {
		if !slices.Contains(names, r.Op) {
			names = append(names, r.Op)
		}
	}
	cols := 3
	nrows := (len(names) + cols - 1) / cols
	plots := make([][]*plot.Plot, nrows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, name := range names {
		var sr []Row
		for _, r := range rows {
			if r.Op == name {
				sr = append(sr, r)
			}
		}
		plots[i/cols][i%cols] = sizePlot(name, "n (n×n float32)", sr)
	}
	return savePlots(path, plots, 400*cols, 330*nrows)
}

// barPlot draws the suite metric of every (op, impl) as grouped bars.
func barPlot(path, suite string, rows []Row) error {
	p := plot.New()
	p.Title.Text = suite
	p.Y.Label.Text = suiteMetric(suite).label
	var ops []string
	for _, r := range rows {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
	}
	impls := implsOf(rows)
	w := vg.Points(40)
	for i, im := range impls {
		vals := make(plotter.Values, len(ops))
		for j, op := range ops {
			for _, r := range rows {
				if r.Impl == im && r.Op == op {
					vals[j] = suiteMetric(suite).value(r)
				}
			}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(impls)-1)/2)
		p.Add(b)
		p.Legend.Add(im, b)
	}
	p.Legend.Top = true
	p.NominalX(ops...)
	return savePlots(path, [][]*plot.Plot{{p}}, 700, 450)
}

// rooflinePlot draws the roofline min(peak, bandwidth·intensity) with the
// measured GPU rows (those with both FLOP and Bytes) as points.
func rooflinePlot(path string, cfg config, rows []Row) error {
	var pts []Row
	for _, r := range rows {
		if (r.Impl == implGPU || r.Impl == implTorchCUDA) && r.Suite != "latency" && r.FLOP > 0 && r.Bytes > 0 && r.MedianS > 0 {
			pts = append(pts, r)
		}
	}
	if len(pts) == 0 {
		return nil // nothing measured on a GPU
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("GPU roofline (peak %.0f GFLOP/s, %.0f GB/s)", cfg.peakGFLOPS, cfg.peakGBps)
	p.X.Label.Text = "arithmetic intensity (FLOP per byte moved, each operand once)"
	p.Y.Label.Text = "GFLOP/s"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	p.Add(plotter.NewGrid())
	var roof plotter.XYs
	for e := -6.0; e <= 12; e += 0.25 {
		x := math.Pow(2, e)
		roof = append(roof, plotter.XY{X: x, Y: min(cfg.peakGFLOPS, cfg.peakGBps*x)})
	}
	l, err := plotter.NewLine(roof)
	if err != nil {
		return err
	}
	l.Width = vg.Points(2)
	p.Add(l)
	p.Legend.Add("roofline", l)
	for i, im := range implsOf(pts) {
		var xys plotter.XYs
		for _, r := range pts {
			if r.Impl == im {
				xys = append(xys, plotter.XY{X: r.FLOP / r.Bytes, Y: r.FLOP / r.MedianS / 1e9})
			}
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.Color, s.Shape = plotutil.Color(i+1), plotutil.Shape(i)
		p.Add(s)
		p.Legend.Add(im, s)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return savePlots(path, [][]*plot.Plot{{p}}, 800, 500)
}

// savePlots draws a grid of plots (nil cells stay empty) into a PNG of
// w×h points.
func savePlots(path string, plots [][]*plot.Plot, w, h int) error {
	img := vgimg.New(vg.Points(float64(w)), vg.Points(float64(h)))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter, PadY: vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	// Align needs a plot in every cell; empty cells get an invisible one.
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] == nil {
				e := plot.New()
				e.HideAxes()
				plots[i][j] = e
			}
		}
	}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pow2Ticks labels every power of two in range, for axes of sizes.
type pow2Ticks struct{}

// Ticks implements plot.Ticker.
func (pow2Ticks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log2(lo)); e <= math.Ceil(math.Log2(hi)); e++ {
		v := math.Pow(2, e)
		if v >= lo && v <= hi {
			ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
	}
	return ts
}

// logTicks labels 1, 2 and 5 times each power of ten in range, so that a
// log axis spanning less than a decade still has labelled ticks.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if lo <= 0 || hi <= 0 {
		return ts
	}
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	if len(ts) < 2 {
		ts = append(ts,
			plot.Tick{Value: lo, Label: strconv.FormatFloat(lo, 'g', 3, 64)},
			plot.Tick{Value: hi, Label: strconv.FormatFloat(hi, 'g', 3, 64)})
	}
	return ts
}
