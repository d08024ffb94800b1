package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/internal/trainer"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/vulkan"
	"github.com/vktensor/vktensor/view"
)

// live drives the -view window and the -snapshot PNG: it turns the
// trainer's progress reports into frames of package view. Frames are drawn
// between training steps (from the Progress callback), at most 30 per
// second; the predictions and weight images are computed on the training
// device.
type live struct {
	window   bool   // -view asked for a window
	snapshot string // -snapshot path
	notice   io.Writer

	instExts, devExts []string // what a window needs of the device

	dev    *gpu.Device // frames are drawn here
	ownDev bool        // dev was opened for the view (training on the CPU)
	src    *view.Source
	win    *view.Window
	snap   *view.Renderer

	epochs     int
	epoch      int
	step       int
	batch      int
	epochStart time.Time
	rate       float64 // samples/s in the current epoch
	loss       float64
	acc        float64
	haveAcc    bool
	lastFrame  time.Time
	lossDone   int     // samples of the epoch when the loss was last reported
	lossSum    float64 // their summed loss
	finished   bool    // training is over; the window only shows the result
}

// errStopped ends training when the window is closed.
var errStopped = fmt.Errorf("%w: the view window was closed", trainer.ErrStopped)

// maxFPS bounds how often frames are drawn.
const maxFPS = 30

// newLive prepares the window system when -view is set (before the device
// is opened, which must enable the window's extensions). Without the glfw
// build tag that is an error; a window system that is not usable (no
// display) is only a notice, and training goes on without a window.
func newLive(window bool, snapshot string, notice io.Writer) (*live, error) {
	l := &live{window: window, snapshot: snapshot, notice: notice}
	if !window {
		return l, nil
	}
	if !view.WindowSupport {
		return nil, view.ErrNoWindowSupport
	}
	var err error
	if l.instExts, l.devExts, err = view.Prepare(); err != nil {
		fmt.Fprintf(notice, "no view window: %v; training without it\n", oneLine(err))
		l.window = false
	}
	return l, nil
}

// openDevice is main's openDevice with the window's extensions. A device
// that cannot present costs the window, not the GPU: when opening with the
// extensions fails, or "auto" falls back to the CPU, the device is opened
// again without them, and if that gives a Vulkan device it trains without
// a window.
func (l *live) openDevice(spec string, notice io.Writer) (*tensor.Device, func(), error) {
	if !l.window {
		return openDevice(spec, notice)
	}
	held := &heldWriter{w: notice, hold: true}
	dev, closeDev, err := openDevice(spec, held, l.options)
	if err == nil && held.buf.Len() == 0 {
		held.release(false)
		return dev, closeDev, nil
	}
	if err == nil {
		closeDev()
	}
	dev, closeDev, err2 := openDevice(spec, notice)
	if err2 != nil {
		return dev, closeDev, err2
	}
	if _, ok := dev.Backend().(*vulkan.Backend); ok {
		why := "it lacks the window system's extensions"
		if err != nil {
			why = oneLine(err)
		}
		fmt.Fprintf(notice, "no view window: %s cannot present to a window (%s); training without it\n", dev.Backend().Name(), why)
		l.window = false
	}
	return dev, closeDev, nil
}

// heldWriter holds what is written while hold is set; release drops or
// forwards it and passes later writes through.
type heldWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  bytes.Buffer
	hold bool
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hold {
		return h.buf.Write(p)
	}
	return h.w.Write(p)
}

func (h *heldWriter) release(forward bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if forward {
		h.w.Write(h.buf.Bytes())
	}
	h.buf.Reset()
	h.hold = false
}

// on reports whether there is anything to draw.
func (l *live) on() bool { return l.window || l.snapshot != "" }

// options adds the window's extensions to the device options.
func (l *live) options(o *gpu.Options) {
	if l.window {
		o.InstanceExtensions = append(o.InstanceExtensions, l.instExts...)
		o.DeviceExtensions = append(o.DeviceExtensions, l.devExts...)
	}
}

// start opens the window and the snapshot renderer for a run of tr on
// dev. Failures to open the window are notices; training goes on.
func (l *live) start(dev *tensor.Device, tr *trainer.Trainer, model string) error {
	if !l.on() {
		return nil
	}
	if b, ok := dev.Backend().(*vulkan.Backend); ok {
		l.dev = b.Device()
	} else {
		// Training on the CPU backend: draw on a Vulkan device of its own
		// (lavapipe will do).
		opts := gpu.Options{AllowCPU: true}
		l.options(&opts)
		d, err := gpu.Open(opts)
		if err != nil {
			if l.snapshot != "" {
				return fmt.Errorf("-snapshot needs a Vulkan device to draw on: %w", err)
			}
			fmt.Fprintf(l.notice, "no view window: no Vulkan device to draw on (%v); training without it\n", oneLine(err))
			l.window = false
			return nil
		}
		l.dev, l.ownDev = d, true
	}
	src, err := view.NewSource(tr.Model, tr.Data.TestX, tr.Data.TestY, fmt.Sprintf("vktensor mnist-gpu  %s  %s", model, dev.Backend().Name()))
	if err != nil {
		return err
	}
	l.src = src
	l.epochs, l.batch = tr.Cfg.Epochs, tr.Cfg.Batch
	if l.snapshot != "" {
		if l.snap, err = view.NewRenderer(l.dev); err != nil {
			return err
		}
	}
	if l.window {
		l.win, err = view.OpenWindow(l.dev, "vktensor: MNIST training", view.Width, view.Height)
		if err != nil {
			fmt.Fprintf(l.notice, "no view window: %v; training without it\n", oneLine(err))
			l.window, l.win = false, nil
		} else if err := l.draw(); err != nil {
			return err
		}
	}
	return nil
}

// progress is the trainer's Progress hook: it records the loss and draws a
// frame when the last one is old enough. A closed window is reported by
// stop, the trainer's Stop hook.
func (l *live) progress(epoch, done, total int, loss float64) {
	if l.src == nil {
		return
	}
	if done == 0 {
		l.epoch, l.epochStart = epoch, time.Now()
		l.lossDone, l.lossSum = 0, 0
	}
	l.step = (done + l.batch - 1) / l.batch
	if done > l.lossDone {
		// loss is the epoch's running mean: plot the mean since the last
		// report, which follows training instead of lagging behind it
		sum := loss * float64(done)
		recent := (sum - l.lossSum) / float64(done-l.lossDone)
		l.lossDone, l.lossSum = done, sum
		l.loss = loss
		l.rate = float64(done) / time.Since(l.epochStart).Seconds()
		l.src.AddLoss((float64(epoch-1)+float64(done)/float64(total))/float64(max(l.epochs, 1)), recent)
	}
	if l.win == nil {
		return
	}
	l.win.Poll()
	if l.win.Paused() {
		// the pause does not count against samples/s
		defer func(t time.Time) { l.epochStart = l.epochStart.Add(time.Since(t)) }(time.Now())
	}
	for l.win.Paused() && !l.win.Closed() {
		if time.Since(l.lastFrame) > 250*time.Millisecond {
			if err := l.draw(); err != nil {
				l.fail(err)
				return
			}
		}
		l.win.Wait(0.1)
	}
	if l.win.Closed() {
		return
	}
	if time.Since(l.lastFrame) >= time.Second/maxFPS || done == total {
		if err := l.draw(); err != nil {
			l.fail(err)
		}
	}
}

// fail drops the window after a drawing error; training goes on.
func (l *live) fail(err error) {
	fmt.Fprintf(l.notice, "view window failed: %v; training without it\n", oneLine(err))
	l.win.Close()
	l.win = nil
}

// frame builds the current frame.
func (l *live) frame(footer string) (*view.Frame, error) {
	status := fmt.Sprintf("epoch %d/%d  step %d  %.0f samples/s  loss %.4f", l.epoch, l.epochs, l.step, l.rate, l.loss)
	if l.haveAcc {
		status += fmt.Sprintf("  test acc %.2f%%", l.acc)
	}
	return l.src.Frame(status, footer)
}

// draw draws a frame in the window.
func (l *live) draw() error {
	footer := "space: pause   esc: quit"
	switch {
	case l.finished:
		footer = "training done - esc or closing the window quits"
	case l.win.Paused():
		footer = "paused - space resumes, esc quits"
	}
	f, err := l.frame(footer)
	if err != nil {
		return err
	}
	l.lastFrame = time.Now()
	return l.win.Draw(f)
}

// epochDone records the epoch's test accuracy, refreshes the window and
// writes the snapshot.
func (l *live) epochDone(e trainer.Epoch) error {
	if l.src == nil {
		return nil
	}
	l.acc, l.haveAcc = e.Accuracy, true
	l.rate = e.SamplesPerSec()
	l.src.AddAccuracy(float64(e.Epoch)/float64(max(l.epochs, 1)), e.Accuracy)
	if l.win != nil {
		if err := l.draw(); err != nil {
			l.fail(err)
		}
	}
	if l.snap == nil {
		return nil
	}
	f, err := l.frame(fmt.Sprintf("snapshot after epoch %d", e.Epoch))
	if err != nil {
		return err
	}
	if err := l.snap.Render(f); err != nil {
		return err
	}
	img, err := l.snap.Image()
	if err != nil {
		return err
	}
	return view.WritePNG(l.snapshot, img)
}

// stop is the trainer's Stop hook: training ends when the window closes.
func (l *live) stop() bool { return l.win != nil && l.win.Closed() }

// train runs tr with report, stopping early (errStopped, with the epochs
// finished so far) when the window is closed.
func (l *live) train(tr *trainer.Trainer, report func(trainer.Epoch)) (hist []trainer.Epoch, err error) {
	var snapErr error
	wrapped := func(e trainer.Epoch) {
		hist = append(hist, e)
		report(e)
		if err := l.epochDone(e); err != nil && snapErr == nil {
			snapErr = err
		}
	}
	_, err = tr.Run(wrapped)
	if errors.Is(err, trainer.ErrStopped) {
		err = errStopped
	}
	if err == nil {
		err = snapErr
	}
	return hist, err
}

// hold keeps the last frame on screen after training until the window is
// closed, Escape is pressed or the process gets SIGINT or SIGTERM. It
// tells how on w.
func (l *live) hold(w io.Writer) {
	if l.win == nil || l.win.Closed() {
		return
	}
	fmt.Fprintln(w, "training done: close the view window or press Escape to quit")
	l.finished = true
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	for !l.win.Closed() {
		select {
		case <-sig:
			return
		default:
		}
		l.win.Wait(0.1)
		if time.Since(l.lastFrame) > 500*time.Millisecond {
			if err := l.draw(); err != nil {
				l.fail(err)
				return
			}
		}
	}
}

// close releases the window, the renderer and a device opened for them.
func (l *live) close() {
	if l.win != nil {
		l.win.Close()
		l.win = nil
	}
	if l.snap != nil {
		l.snap.Close()
		l.snap = nil
	}
	if l.src != nil {
		l.src.Close()
		l.src = nil
	}
	if l.ownDev {
		l.dev.Close()
		l.ownDev = false
	}
	view.Terminate()
}
