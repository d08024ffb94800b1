package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// implOrder is the column order of the implementations in tables and plots.
var implOrder = []string{implGPU, implCPU, implGonum, implTorchCUDA, implTorchCPU}

// metric is the throughput a suite reports.
type metric struct {
	label string
	value func(Row) float64
}

// suiteMetric returns the figure of merit of a suite.
func suiteMetric(suite string) metric {
	switch suite {
	case "matmul", "matmul16", precSuite, "conv":
		return metric{"GFLOP/s", func(r Row) float64 { return r.GFLOPS }}
	case "linalg":
		return metric{"nominal GFLOP/s", func(r Row) float64 { return r.GFLOPS }}
	case "ops", "ops16":
		return metric{"GB/s", func(r Row) float64 { return r.GBps }}
	case "latency":
		return metric{"ops/s", func(r Row) float64 { return r.OpsPerS }}
	default:
		return metric{"samples/s", func(r Row) float64 { return r.SamplesPerS }}
	}
}

// table is a rendered-agnostic table: a header and rows of cells.
type table struct {
	title  string
	header []string
	cells  [][]string
	legend []string // one line per implementation: device and timing
	notes  []string
}

// ratio is an extra column: the quotient of two implementations' metric.
type ratio struct{ num, den, label string }

var suiteRatios = []ratio{
	{implCPU, implGonum, "cpu/gonum"},
	{implGPU, implTorchCUDA, "gpu/pytorch-cuda"},
}

// buildTable lays out the rows of one suite: one line per (op, shape), one
// column per implementation holding the median-based throughput.
func buildTable(suite string, rows []Row, notes []string) table {
	if suite == precSuite {
		return buildPrecTable(rows, notes)
	}
	m := suiteMetric(suite)
	t := table{title: fmt.Sprintf("%s — %s from the median time (higher is better)", suite, m.label), notes: notes}
	var impls []string
	for _, im := range implOrder {
		if slices.ContainsFunc(rows, func(r Row) bool { return r.Impl == im }) {
			impls = append(impls, im)
		}
	}
	for _, r := range rows { // implementations with other names, last
		if !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
	}
	var ratios []ratio
	for _, q := range suiteRatios {
		if slices.Contains(impls, q.num) && slices.Contains(impls, q.den) {
			ratios = append(ratios, q)
		}
	}
	t.header = append([]string{"op", "shape"}, impls...)
	for _, q := range ratios {
		t.header = append(t.header, q.label)
	}
	// Group the lines by op (in order of first appearance), then by size.
	rows = slices.Clone(rows)
	var opOrder []string
	for _, r := range rows {
		if !slices.Contains(opOrder, r.Op) {
			opOrder = append(opOrder, r.Op)
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if c := slices.Index(opOrder, a.Op) - slices.Index(opOrder, b.Op); c != 0 {
			return c
		}
		return a.N - b.N
	})
	type key struct{ op, shape string }
	var keys []key
	vals := map[key]map[string]float64{}
	for _, r := range rows {
		k := key{r.Op, r.Shape}
		if vals[k] == nil {
			vals[k] = map[string]float64{}
			keys = append(keys, k)
		}
		vals[k][r.Impl] = m.value(r)
	}
	for _, k := range keys {
		line := []string{k.op, k.shape}
		for _, im := range impls {
			line = append(line, formatValue(vals[k][im]))
		}
		for _, q := range ratios {
			a, b := vals[k][q.num], vals[k][q.den]
			if a > 0 && b > 0 {
				line = append(line, fmt.Sprintf("%.2f×", a/b))
			} else {
				line = append(line, "—")
			}
		}
		t.cells = append(t.cells, line)
	}
	for _, im := range impls {
		i := slices.IndexFunc(rows, func(r Row) bool { return r.Impl == im })
		r := rows[i]
		t.legend = append(t.legend, fmt.Sprintf("%s: %s; timing %s, median of %d", im, r.Device, r.Timing, r.Reps))
	}
	return t
}

// formatValue prints a throughput with three significant digits or so.
func formatValue(v float64) string {
	switch {
	case v <= 0:
		return "—"
	case v >= 1e6:
		return fmt.Sprintf("%.3g M", v/1e6)
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// writeTable prints a suite's table as aligned text.
func writeTable(w io.Writer, suite string, rows []Row, notes []string) {
	t := buildTable(suite, rows, notes)
	fmt.Fprintf(w, "\n== %s\n", t.title)
	if len(t.cells) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(t.header, "\t")+"\t")
		for _, c := range t.cells {
			fmt.Fprintln(tw, strings.Join(c, "\t")+"\t")
		}
		tw.Flush()
	}
	for _, l := range t.legend {
		fmt.Fprintln(w, "  "+l)
	}
	for _, n := range t.notes {
		fmt.Fprintln(w, "  note: "+n)
	}
}

// writeMarkdown writes every suite's table as Markdown, each preceded by
// the machine, the date and the command that produced it.
func writeMarkdown(path string, suites []string, rows []Row, notes map[string][]string, mach Machine) error {
	var b strings.Builder
	for _, s := range suites {
		var sr []Row
		for _, r := range rows {
			if r.Suite == s {
				sr = append(sr, r)
			}
		}
		t := buildTable(s, sr, notes[s])
		fmt.Fprintf(&b, "### %s\n\n", s)
		fmt.Fprintf(&b, "%s, %d cores (GOMAXPROCS=%d), %s/%s, %s; %s; load average %.2f at the start.\n\n", mach.CPU, mach.NumCPU, mach.GOMAXPROCS, mach.OS, mach.Arch, mach.GoVersion, mach.Date[:10], mach.LoadAvg)
		fmt.Fprintf(&b, "```sh\n%s\n```\n\n", mach.Command)
		if len(t.cells) == 0 {
			b.WriteString("No measurements.\n\n")
			for _, n := range t.notes {
				b.WriteString("- Note: " + n + "\n")
			}
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, "%s.\n\n", strings.ToUpper(t.title[:1])+t.title[1:])
		b.WriteString("| " + strings.Join(t.header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat("---|", len(t.header)) + "\n")
		for _, c := range t.cells {
			b.WriteString("| " + strings.Join(c, " | ") + " |\n")
		}
		b.WriteString("\n")
		for _, l := range t.legend {
			b.WriteString("- " + l + "\n")
		}
		for _, n := range t.notes {
			b.WriteString("- Note: " + n + "\n")
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
