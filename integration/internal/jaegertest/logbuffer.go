package jaegertest

import "sync"

// maxLogBytes bounds how much of Jaeger's output is kept.
const maxLogBytes = 1 << 20

// logBuffer is an io.Writer, safe for concurrent use, that keeps the last max
// bytes written to it.
type logBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
	cut bool // whether older output was dropped
}

func newLogBuffer(maxBytes int) *logBuffer { return &logBuffer{max: maxBytes} }

// Write appends p, dropping the oldest bytes beyond the limit. It never fails.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
		b.cut = true
	}
	return len(p), nil
}

// String returns the kept output, marked when older output was dropped.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cut {
		return "[earlier output dropped]\n" + string(b.buf)
	}
	return string(b.buf)
}
