package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressEvery is how often the progress line is redrawn at most.
const progressEvery = 100 * time.Millisecond

// progress writes a command's messages on stderr and, when stderr is a
// terminal, keeps a single line under them that is rewritten as the work
// goes (what status returns). On anything else it writes the messages
// only.
type progress struct {
	w      io.Writer
	live   bool
	status func() string
	now    func() time.Time
	last   time.Time // when the line was last drawn
	shown  bool      // the line is on screen
}

// newProgress returns the progress of a command writing on w, live when w
// is a terminal.
func newProgress(w io.Writer, status func() string) *progress {
	return &progress{w: w, live: isTerminal(w), status: status, now: time.Now}
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update redraws the line, unless it was drawn less than progressEvery ago.
func (p *progress) update() {
	if !p.live {
		return
	}
	now := p.now()
	if p.shown && now.Sub(p.last) < progressEvery {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K"+p.status())
	p.shown, p.last = true, now
}

// printf writes a message, on its own line above the progress line, which
// the next update draws again.
func (p *progress) printf(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, format, args...)
}

// clear removes the line from the screen.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
