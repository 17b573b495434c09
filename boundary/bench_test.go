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

// benchRun returns a run with the settings a task gives its runs by
// default (the process's limits and payload redaction); benchCalls starts a
// new one every 1024 calls so the benchmark measures calls, not an
// ever-growing log.
func benchRun(tp trace.TracerProvider) *run.Run[Mode] {
	return newRun(tp, run.Config[Mode]{UUID: "0193-bench", TaskName: "bench",
		MaxPayloadBytes: run.PayloadLimit(), Limits: run.RunLimits(), Redactor: run.DefaultRedactor()})
}

func benchCalls[In, Out any](b *testing.B, tp trace.TracerProvider, bd *Boundary[In, Out], in In) {
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
		if _, err := bd.Call(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBoundaryCallNoop(b *testing.B) {
	benchCalls(b, noop.NewTracerProvider(), benchBoundary, 7)
}

func BenchmarkBoundaryCallSDK(b *testing.B) { benchCalls(b, benchProvider(b), benchBoundary, 7) }

type userQuery struct {
	UserID int      `json:"userId"`
	Fields []string `json:"fields"`
}

type userRow struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// benchLookup takes and returns objects: their keys are searched for
// sensitive ones on the way to the span.
var benchLookup = New("lookup", func(_ context.Context, q userQuery) (userRow, error) {
	return userRow{ID: q.UserID, Name: "user-1", Email: "user-1@example.com"}, nil
})

func BenchmarkBoundaryCallSDKStruct(b *testing.B) {
	benchCalls(b, benchProvider(b), benchLookup, userQuery{UserID: 1, Fields: []string{"name", "email"}})
}

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
