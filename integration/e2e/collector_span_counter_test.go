package e2e_test

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// spanCounter is a SpanProcessor that counts the ended spans of each trace,
// and among them those of the convention (hive.kind set).
type spanCounter struct {
	mu         sync.Mutex
	perTrace   map[trace.TraceID]int
	count      int
	convention int
}

func newSpanCounter() *spanCounter { return &spanCounter{perTrace: make(map[trace.TraceID]int)} }

// OnStart does nothing.
func (c *spanCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd counts s.
func (c *spanCounter) OnEnd(s sdktrace.ReadOnlySpan) {
	kind := false
	for _, kv := range s.Attributes() {
		if kv.Key == otelrecord.KindKey {
			kind = true
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.perTrace[s.SpanContext().TraceID()]++
	c.count++
	if kind {
		c.convention++
	}
}

// Shutdown does nothing.
func (c *spanCounter) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing.
func (c *spanCounter) ForceFlush(context.Context) error { return nil }

// all returns how many spans of the trace ended.
func (c *spanCounter) all(id trace.TraceID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perTrace[id]
}

// totals returns how many spans ended, and how many of them are of the
// convention.
func (c *spanCounter) totals() (all, convention int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count, c.convention
}
