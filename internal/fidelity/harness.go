package fidelity

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// Harness is an SDK TracerProvider that samples every span into an
// in-memory exporter. Run tasks with its TracerProvider, then compare what
// they returned with the records rebuilt from the exported spans. It is safe
// for concurrent use.
type Harness struct {
	tp  *sdktrace.TracerProvider
	exp *tracetest.InMemoryExporter
}

// NewHarness returns a harness; t.Cleanup shuts its provider down.
func NewHarness(t testing.TB) *Harness {
	t.Helper()
	h := &Harness{exp: tracetest.NewInMemoryExporter()}
	h.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(h.exp),
	)
	t.Cleanup(func() {
		if err := h.tp.Shutdown(context.Background()); err != nil {
			t.Errorf("fidelity: shut down harness tracer provider: %v", err)
		}
	})
	return h
}

// TracerProvider returns the provider to run tasks with.
func (h *Harness) TracerProvider() *sdktrace.TracerProvider { return h.tp }

// Exporter returns the in-memory exporter holding every ended span.
func (h *Harness) Exporter() *tracetest.InMemoryExporter { return h.exp }

// Records rebuilds every run whose spans were exported so far.
func (h *Harness) Records(t testing.TB) []*otelrecord.ExecutionRecord {
	t.Helper()
	recs, err := otelrecord.Rebuild(sdkspan.Spans(h.exp.GetSpans().Snapshots()))
	if err != nil { // incomplete runs still come out; the comparison judges them
		t.Logf("fidelity: rebuild the exported spans: %v", err)
	}
	return recs
}

// AssertRebuilt requires the record rebuilt for want.UUID to equal want (see
// AssertIn).
func (h *Harness) AssertRebuilt(t testing.TB, want *otelrecord.ExecutionRecord) {
	t.Helper()
	AssertIn(t, h.Records(t), want)
}

// AssertRebuiltRedacted is AssertRebuilt for a task with its own payload
// capture policy, whose redactor is r (see AssertInRedacted).
func (h *Harness) AssertRebuiltRedacted(t testing.TB, want *otelrecord.ExecutionRecord, r *otelrecord.Redactor) {
	t.Helper()
	AssertInRedacted(t, h.Records(t), want, r)
}

// AssertRebuiltAll is AssertRebuilt for several records, with one rebuild.
func (h *Harness) AssertRebuiltAll(t testing.TB, want ...*otelrecord.ExecutionRecord) {
	t.Helper()
	got := h.Records(t)
	for _, w := range want {
		AssertIn(t, got, w)
	}
}
