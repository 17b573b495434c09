package boundary

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/run"
)

var (
	benchAdd0 = New0("now", func(context.Context) (int, error) { return 8, nil })
	benchAdd2 = New2("add", func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	benchAdd3 = New3("add", func(_ context.Context, a, b, c int) (int, error) { return a + b + c, nil })
)

// benchArity runs call in runs made as benchCalls makes them, so that the
// arities compare under one harness: the one-argument call goes through the
// same indirection as the others.
func benchArity(b *testing.B, tp trace.TracerProvider, call func(context.Context) error) {
	r := benchRun(tp)
	ctx := run.NewContext(context.Background(), r)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			r.Close()
			r = benchRun(tp)
			ctx = run.NewContext(context.Background(), r)
		}
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// arityCalls are calls of each arity with int arguments, the same output.
var arityCalls = []struct {
	name string
	call func(context.Context) error
}{
	{"0", func(ctx context.Context) error { _, err := benchAdd0.Call(ctx); return err }},
	{"1", func(ctx context.Context) error { _, err := benchBoundary.Call(ctx, 7); return err }},
	{"2", func(ctx context.Context) error { _, err := benchAdd2.Call(ctx, 3, 4); return err }},
	{"3", func(ctx context.Context) error { _, err := benchAdd3.Call(ctx, 1, 2, 4); return err }},
}

// BenchmarkArityCallSDK compares calls of 0 to 3 arguments in a run, with
// SDK spans: a call of two arguments should cost about what a call of one
// costs.
func BenchmarkArityCallSDK(b *testing.B) {
	for _, c := range arityCalls {
		b.Run("args="+c.name, func(b *testing.B) { benchArity(b, benchProvider(b), c.call) })
	}
}

// BenchmarkArityCallNoop is BenchmarkArityCallSDK with the no-op tracer: the
// cost of the call itself, its encoding and its log entry.
func BenchmarkArityCallNoop(b *testing.B) {
	for _, c := range arityCalls {
		b.Run("args="+c.name, func(b *testing.B) { benchArity(b, noop.NewTracerProvider(), c.call) })
	}
}
