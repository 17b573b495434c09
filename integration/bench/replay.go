package main

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// distinctInputs is how many different inputs a recorded run uses: each is
// recorded n/distinctInputs times, so replay also exercises the "k-th call
// gets the k-th recording" rule.
const distinctInputs = 1000

// recordedRun records a run of n calls of a boundary (with the no-op
// provider) and returns the task and the record.
func recordedRun(n int) (*task.Task[int, int], *otelrecord.ExecutionRecord, error) {
	add := boundary.New("add", func(_ context.Context, i int) (int, error) { return i + 1, nil })
	t := task.New("sumCalls", func(ctx context.Context, n int) (int, error) {
		sum := 0
		for i := range n {
			v, err := add.Call(ctx, i%distinctInputs)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	}, task.WithBoundaries(add), task.WithTracerProvider(noop.NewTracerProvider()))
	_, rec, err := t.SafeRun(context.Background(), n)
	if err != nil {
		return nil, nil, err
	}
	if got := len(rec.Boundaries["add"]); got != n {
		return nil, nil, fmt.Errorf("recorded %d calls, want %d", got, n)
	}
	return t, rec, nil
}

// Replay returns figure 3's benchmark: one op replays a recorded run of n
// boundary calls with the boundary in replay mode (the tape is built from
// the record within the op).
func Replay(n int) func(*testing.B) {
	return func(b *testing.B) {
		t, rec, err := recordedRun(n)
		if err != nil {
			b.Fatal(err)
		}
		cfg := task.ReplayConfig{Boundaries: map[string]boundary.Mode{"add": boundary.Replay}}
		want := string(rec.Output)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_, got, err := t.SafeReplay(ctx, rec, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if string(got.Output) != want {
				b.Fatalf("replayed output %s, recorded %s", got.Output, want)
			}
		}
	}
}
