package main

import (
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// callsPerRun is how many calls one task run makes in figures 1 and 2; the
// run's own cost is spread over them.
const callsPerRun = 1000

// callCase is a boundary function and the input it is called with.
type callCase[In, Out any] struct {
	in In
	fn func(context.Context, In) (Out, error)
}

// smallCall is the call of figures 1 and 2: an int in, an int out, so the
// figures measure what hivetrace adds rather than encoding/json.
var smallCall = callCase[int, int]{in: 7, fn: func(_ context.Context, i int) (int, error) { return i + 1, nil }}

// userQuery and userRow are a typical lookup's input and output, measured too
// (notes of figures 1 and 2).
type userQuery struct {
	UserID int      `json:"userId"`
	Fields []string `json:"fields"`
}

type userRow struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

var benchQuery = userQuery{UserID: 1, Fields: []string{"name", "email"}}

func fetchUser(_ context.Context, q userQuery) (userRow, error) {
	return userRow{ID: q.UserID, Name: "Ada", Email: "ada@example.com"}, nil
}

var rowCall = callCase[userQuery, userRow]{in: benchQuery, fn: fetchUser}

// loopTask returns a task whose run calls body n times (its input).
func loopTask(name string, tp trace.TracerProvider, body func(ctx context.Context) error, opts ...task.Option) *task.Task[int, int] {
	opts = append([]task.Option{task.WithTracerProvider(tp), task.WithMeterProvider(metricnoop.NewMeterProvider())}, opts...)
	return task.New(name, func(ctx context.Context, n int) (int, error) {
		for range n {
			if err := body(ctx); err != nil {
				return 0, err
			}
		}
		return n, nil
	}, opts...)
}

// runLoop runs t until it has made b.N calls, callsPerRun per run.
func runLoop(b *testing.B, t *task.Task[int, int]) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for left := b.N; left > 0; left -= callsPerRun {
		if _, err := t.Run(ctx, min(left, callsPerRun)); err != nil {
			b.Fatal(err)
		}
	}
}

// boundaryCalls is a task whose runs call a boundary around c.fn.
func boundaryCalls[In, Out any](tp trace.TracerProvider, c callCase[In, Out]) *task.Task[int, int] {
	bd := boundary.New("call", c.fn)
	return loopTask("callBoundary", tp, func(ctx context.Context) error {
		_, err := bd.Call(ctx, c.in)
		return err
	}, task.WithBoundaries(bd))
}

// bareSpans is a task whose runs make, per call, a bare span of tp carrying
// the call's input and output as JSON attributes, marshalled per call as the
// boundary does.
func bareSpans[In, Out any](tp trace.TracerProvider, c callCase[In, Out]) *task.Task[int, int] {
	tracer := tp.Tracer("bench")
	return loopTask("bareSpans", tp, func(ctx context.Context) error {
		in, err := json.Marshal([]any{c.in})
		if err != nil {
			return err
		}
		ctx, span := tracer.Start(ctx, "call", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String(string(otelrecord.BoundaryInputKey), string(in))))
		out, err := c.fn(ctx, c.in)
		if err != nil {
			return err
		}
		outJSON, err := json.Marshal(out)
		if err != nil {
			return err
		}
		span.SetAttributes(attribute.String(string(otelrecord.BoundaryOutputKey), string(outJSON)))
		span.End()
		return nil
	})
}

// conventionSpans is bareSpans with as many attributes, of the same types and
// sizes, as the span convention puts on a boundary span, written as the
// boundary writes them (otelrecord/attributes.go): the kind at start, the
// rest in one call at the end. It is the SDK's share of a boundary call. The
// keys are renamed (bench.* for hive.*) so that the record processor ignores
// these spans, as it ignores any span outside the convention.
func conventionSpans[In, Out any](tp trace.TracerProvider, c callCase[In, Out]) *task.Task[int, int] {
	tracer := tp.Tracer("bench")
	kind := trace.WithAttributes(attribute.String("bench.kind", otelrecord.KindBoundary))
	name := attribute.String("bench.boundary.name", "call")
	run := attribute.String("bench.run.uuid", "01939a2b-0000-7000-8000-000000000000")
	seq := 0
	return loopTask("conventionSpans", tp, func(ctx context.Context) error {
		in, err := json.Marshal([]any{c.in})
		if err != nil {
			return err
		}
		seq++
		ctx, span := tracer.Start(ctx, "call", trace.WithSpanKind(trace.SpanKindClient), kind)
		out, err := c.fn(ctx, c.in)
		if err != nil {
			return err
		}
		outJSON, err := json.Marshal(out)
		if err != nil {
			return err
		}
		span.SetAttributes(name, run, attribute.Int("bench.boundary.seq", seq),
			attribute.String("bench.boundary.input", string(in)), attribute.String("bench.boundary.output", string(outJSON)))
		span.End()
		return nil
	})
}

// withPipeline runs the task newTask builds on a fresh pipeline.
func withPipeline(b *testing.B, newTask func(trace.TracerProvider) *task.Task[int, int]) {
	p := newPipeline()
	defer func() { _ = p.shutdown() }()
	runLoop(b, newTask(p.tp))
	b.StopTimer()
	if err := p.flush(); err != nil {
		b.Fatal(err)
	}
}

// boundaryCallSDK measures a proxy-mode boundary call inside a task run, with
// the SDK and the record processor (figure 1's numerator).
func boundaryCallSDK[In, Out any](c callCase[In, Out]) func(*testing.B) {
	return func(b *testing.B) {
		withPipeline(b, func(tp trace.TracerProvider) *task.Task[int, int] { return boundaryCalls(tp, c) })
	}
}

// bareSpanSDK measures a bare span with the same two JSON attributes, same
// provider and processors (figure 1's denominator).
func bareSpanSDK[In, Out any](c callCase[In, Out]) func(*testing.B) {
	return func(b *testing.B) {
		withPipeline(b, func(tp trace.TracerProvider) *task.Task[int, int] { return bareSpans(tp, c) })
	}
}

// conventionSpanSDK measures a bare span with the convention's attributes.
func conventionSpanSDK[In, Out any](c callCase[In, Out]) func(*testing.B) {
	return func(b *testing.B) {
		withPipeline(b, func(tp trace.TracerProvider) *task.Task[int, int] { return conventionSpans(tp, c) })
	}
}

// boundaryCallNoop measures the same call with the no-op TracerProvider
// (figure 2).
func boundaryCallNoop[In, Out any](c callCase[In, Out]) func(*testing.B) {
	return func(b *testing.B) { runLoop(b, boundaryCalls(noop.NewTracerProvider(), c)) }
}

// The figures' benchmarks, with the int → int call, and the same with a
// typical lookup's payload.
var (
	BoundaryCallSDK     = boundaryCallSDK(smallCall)
	BareSpanSDK         = bareSpanSDK(smallCall)
	BoundaryCallNoop    = boundaryCallNoop(smallCall)
	ConventionSpanSDK   = conventionSpanSDK(smallCall)
	BoundaryCallSDKRow  = boundaryCallSDK(rowCall)
	BareSpanSDKRow      = bareSpanSDK(rowCall)
	BoundaryCallNoopRow = boundaryCallNoop(rowCall)
)
