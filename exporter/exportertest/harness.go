package exportertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// flushTimeout bounds the ForceFlush and Shutdown calls the harness makes; it
// only stops a broken processor from hanging a test.
const flushTimeout = 30 * time.Second

// Harness is an SDK TracerProvider that feeds every span to an in-memory
// exporter (synchronously) and to a record processor whose sink collects the
// rebuilt records. Run tasks with its TracerProvider, then compare what they
// returned with what was rebuilt. It is safe for concurrent use.
type Harness struct {
	tp       *sdktrace.TracerProvider
	exp      *tracetest.InMemoryExporter
	receiver *OTLPReceiver // NewOTLPHarness's; nil for NewHarness

	mu      sync.Mutex
	records []*otelrecord.ExecutionRecord
}

// NewHarness returns a harness whose TracerProvider samples every span. The
// options configure its record processor (by default with a no-op
// MeterProvider). t.Cleanup shuts the provider down.
func NewHarness(t testing.TB, opts ...exporter.Option) *Harness {
	t.Helper()
	h := &Harness{exp: tracetest.NewInMemoryExporter()}
	sink := exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
		h.mu.Lock()
		h.records = append(h.records, recs...)
		h.mu.Unlock()
		return nil
	})
	procOpts := append([]exporter.Option{exporter.WithMeterProvider(noop.NewMeterProvider())}, opts...)
	h.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(h.exp),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink, procOpts...)),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if err := h.tp.Shutdown(ctx); err != nil {
			t.Errorf("exportertest: shut down harness tracer provider: %v", err)
		}
	})
	return h
}

// NewOTLPHarness is NewHarness over the OTLP transport: its TracerProvider
// feeds every span to a run-span processor (exporter.NewRunSpanProcessor,
// configured by opts) that sends the spans of each run to an OTLPReceiver
// through an otlpsink.Sink, and the records are those the receiver
// rebuilds, as Hive's OTLP endpoint does.
func NewOTLPHarness(t testing.TB, opts ...exporter.Option) *Harness {
	t.Helper()
	h := &Harness{exp: tracetest.NewInMemoryExporter(), receiver: NewOTLPReceiver(t)}
	sink, err := otlpsink.New(h.receiver.Endpoint())
	require.NoError(t, err, "exportertest: OTLP sink")
	procOpts := append([]exporter.Option{exporter.WithMeterProvider(noop.NewMeterProvider())}, opts...)
	h.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(h.exp),
		sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(sink, procOpts...)),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if err := h.tp.Shutdown(ctx); err != nil {
			t.Errorf("exportertest: shut down harness tracer provider: %v", err)
		}
	})
	return h
}

// Receiver returns the OTLP receiver of a harness made by NewOTLPHarness;
// nil for NewHarness.
func (h *Harness) Receiver() *OTLPReceiver { return h.receiver }

// TracerProvider returns the provider to run tasks with.
func (h *Harness) TracerProvider() *sdktrace.TracerProvider { return h.tp }

// Exporter returns the in-memory exporter holding every ended span.
func (h *Harness) Exporter() *tracetest.InMemoryExporter { return h.exp }

// Records flushes the record processor and returns every record rebuilt so
// far, in delivery order (for NewOTLPHarness, every record the receiver
// rebuilt, the runs still missing spans rebuilt incomplete). The slice is the caller's; the records are shared.
func (h *Harness) Records(t testing.TB) []*otelrecord.ExecutionRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	require.NoError(t, h.tp.ForceFlush(ctx), "exportertest: flush the record processor")
	if h.receiver != nil {
		h.receiver.FlushPending() // every span was delivered: runs still waiting lack some
		return h.receiver.Records()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), h.records...)
}

// AssertRebuilt flushes the record processor, finds the record rebuilt for
// want.UUID and requires it to equal want: their JSON encodings, decoded, must
// be equal, so raw JSON spacing and key order do not matter while every
// value, the timing included, must match exactly (fidelity.AssertIn).
func (h *Harness) AssertRebuilt(t testing.TB, want *otelrecord.ExecutionRecord) {
	t.Helper()
	fidelity.AssertIn(t, h.Records(t), want)
}

// AssertRebuiltAll is AssertRebuilt for several records, with one flush.
func (h *Harness) AssertRebuiltAll(t testing.TB, want ...*otelrecord.ExecutionRecord) {
	t.Helper()
	got := h.Records(t)
	for _, w := range want {
		fidelity.AssertIn(t, got, w)
	}
}
