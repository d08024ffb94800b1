package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar for an epoch, redrawn in place
// with a carriage return, at most every 100 ms so that printing never slows
// training down.
type progress struct {
	w        io.Writer
	label    string
	total    int
	start    time.Time
	last     time.Time
	tty      bool
	finished bool
}

func newProgress(w io.Writer, label string, total int, tty bool) *progress {
	now := time.Now()
	return &progress{w: w, label: label, total: total, start: now, tty: tty}
}

// update redraws the bar after done samples with the latest loss.
func (p *progress) update(done int, loss float64) {
	now := time.Now()
	if !p.tty || (now.Sub(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r%s", p.line(done, loss, now))
}

// finish prints the final state of the bar and ends its line.
func (p *progress) finish(loss float64) {
	if p.finished {
		return
	}
	p.finished = true
	fmt.Fprintf(p.w, "\r%s\n", p.line(p.total, loss, time.Now()))
}

func (p *progress) line(done int, loss float64, now time.Time) string {
	const width = 30
	frac := float64(done) / float64(max(p.total, 1))
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	el := now.Sub(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := "--"
	if done > 0 && done < p.total {
		eta = fmt.Sprintf("%.1fs", float64(p.total-done)/rate)
	} else if done >= p.total {
		eta = fmt.Sprintf("done in %.2fs", el)
	}
	return fmt.Sprintf("%s %s %3.0f%% %6d/%d  %9.0f samples/s  loss %.4f  ETA %s ",
		p.label, bar, 100*frac, done, p.total, rate, loss, eta)
}
