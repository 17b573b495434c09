package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrSinkClosed is returned by a sink used after its Shutdown.
var ErrSinkClosed = errors.New("exporter: sink is shut down")

// JSONLinesSink writes each record as one line of JSON (the Forge Hive
// record shape) to a writer. It is safe for concurrent use: the lines of one
// Deliver call are written with a single Write, never interleaved with
// another call's. Deliver blocks for as long as the writer does.
type JSONLinesSink struct {
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer // the file the sink opened, if any
	closed bool
}

var (
	_ Sink       = (*JSONLinesSink)(nil)
	_ Flusher    = (*JSONLinesSink)(nil)
	_ Shutdowner = (*JSONLinesSink)(nil)
)

// NewJSONLinesSink returns a sink writing to w. Shutdown does not close w.
// A nil w discards the records.
func NewJSONLinesSink(w io.Writer) *JSONLinesSink {
	if w == nil {
		w = io.Discard
	}
	return &JSONLinesSink{w: w}
}

// NewJSONLinesFileSink returns a sink appending to the file at path, which it
// creates (mode 0600: records hold task inputs) when missing. Shutdown syncs
// and closes the file.
func NewJSONLinesFileSink(path string) (*JSONLinesSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("exporter: open JSON lines sink: %w", err)
	}
	return &JSONLinesSink{w: f, closer: f}, nil
}

// Deliver writes one line per record. Nil records are skipped. It returns
// ctx's error without writing when ctx is already done, and ErrSinkClosed
// after Shutdown.
func (s *JSONLinesSink) Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, r := range records {
		if r == nil {
			continue
		}
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("exporter: encode record %s: %w", r.UUID, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSinkClosed
	}
	if buf.Len() == 0 {
		return nil
	}
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("exporter: write records: %w", err)
	}
	return nil
}

// ForceFlush flushes the writer when it can be flushed (Flush() error, as
// bufio.Writer has) or synced (Sync() error, as os.File has).
func (s *JSONLinesSink) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	return flushWriter(s.w)
}

// Shutdown flushes the writer and closes the file the sink opened. Later
// Deliver calls return ErrSinkClosed; later Shutdown calls do nothing.
func (s *JSONLinesSink) Shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := flushWriter(s.w)
	if s.closer != nil {
		err = errors.Join(err, s.closer.Close())
	}
	if err != nil {
		return fmt.Errorf("exporter: shut down JSON lines sink: %w", err)
	}
	return nil
}

func flushWriter(w io.Writer) error {
	switch f := w.(type) {
	case interface{ Flush() error }:
		return f.Flush()
	case interface{ Sync() error }:
		// Pipes and terminals cannot be synced: nothing to flush there.
		if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
	}
	return nil
}
