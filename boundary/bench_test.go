package boundary

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// discardProcessor stands in for a record processor: it sees every ended span.
type discardProcessor struct{}

func (discardProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardProcessor) Shutdown(context.Context) error                  { return nil }
func (discardProcessor) ForceFlush(context.Context) error                { return nil }

func benchProvider(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(discardProcessor{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

var benchBoundary = New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })

// benchRun returns a run; benchCalls starts a new one every 1024 calls so the
// benchmark measures calls, not an ever-growing log.
func benchRun(tp trace.TracerProvider) *run.Run[Mode] {
	return newRun(tp, run.Config[Mode]{UUID: "0193-bench", TaskName: "bench"})
}

func benchCalls(b *testing.B, tp trace.TracerProvider) {
	r := benchRun(tp)
	ctx := run.NewContext(context.Background(), r)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			// A fresh run: its cost is spread over 1024 calls. Stopping the
			// timer instead would cost more than the calls (it reads memory
			// statistics, stopping the world).
			r.Close()
			r = benchRun(tp)
			ctx = run.NewContext(context.Background(), r)
		}
		if _, err := benchBoundary.Call(ctx, 7); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBoundaryCallNoop(b *testing.B) { benchCalls(b, noop.NewTracerProvider()) }

func BenchmarkBoundaryCallSDK(b *testing.B) { benchCalls(b, benchProvider(b)) }

func BenchmarkBoundaryCallOutsideRunNoop(b *testing.B) {
	bd := New("add", benchBoundary.fn, WithTracerProvider(noop.NewTracerProvider()))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = bd.Call(context.Background(), 7)
	}
}

// BenchmarkBareSDKSpan is the baseline of BenchmarkBoundaryCallSDK: a bare
// SDK span carrying the same two JSON attributes.
func BenchmarkBareSDKSpan(b *testing.B) {
	tr := benchProvider(b).Tracer("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, span := tr.Start(ctx, "add", trace.WithAttributes(otelrecord.BoundaryInputKey.String("[7]")))
		span.SetAttributes(attribute.String(string(otelrecord.BoundaryOutputKey), "8"))
		span.End()
	}
}

// BenchmarkReplay100k replays a recording of 100 000 calls in one run.
func BenchmarkReplay100k(b *testing.B) {
	const n = 100_000
	calls := make([]otelrecord.BoundaryRecord, n)
	for i := range calls {
		calls[i] = otelrecord.BoundaryRecord{Input: json.RawMessage("[" + strconv.Itoa(i%1000) + "]"), Output: json.RawMessage(strconv.Itoa(i))}
	}
	tape, err := run.NewTape(map[string][]otelrecord.BoundaryRecord{"add": calls})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := newRun(noop.NewTracerProvider(), run.Config[Mode]{DefaultMode: Replay, Tape: tape})
		ctx := run.NewContext(context.Background(), r)
		for i := range n {
			if _, err := benchBoundary.Call(ctx, i%1000); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkBareSDKSpanConvention is a bare SDK span with the attributes the
// convention puts on a boundary span, without anything else a call does.
func BenchmarkBareSDKSpanConvention(b *testing.B) {
	tr := benchProvider(b).Tracer("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, span := tr.Start(ctx, "add", clientKind, kindBoundary)
		span.SetAttributes(benchBoundary.nameAttr, otelrecord.RunUUIDKey.String("0193-bench"),
			otelrecord.BoundarySeqKey.Int(1), otelrecord.BoundaryInputKey.String("[7]"),
			otelrecord.BoundaryOutputKey.String("8"))
		span.End()
	}
}
