package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// newTestProvider returns the fidelity harness: an SDK TracerProvider whose
// spans land in an in-memory exporter and in a record processor, so a test
// can compare the records runs return with the records rebuilt from spans.
func newTestProvider(t testing.TB) *fidelity.Harness {
	t.Helper()
	return fidelity.NewHarness(t)
}

// checkAll makes the fidelity check cover every record tk produces from now
// on, whatever returns or delivers it (SafeRun, Run, RunJSON, SafeReplay,
// Handler, a nested run through AsBoundary): a listener collects them and,
// when the test ends, h.AssertRebuiltAll requires the record rebuilt from
// each run's spans to equal it. It returns tk.
func checkAll[In, Out any](t testing.TB, h *fidelity.Harness, tk *task.Task[In, Out]) *task.Task[In, Out] {
	t.Helper()
	var mu sync.Mutex
	var recs []*otelrecord.ExecutionRecord
	tk.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
	})
	// Cleanups run last-in first-out: this one runs before the harness shuts
	// its provider down.
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, recs, "checkAll(%s): the test ran the task", tk.Name())
		h.AssertRebuiltAll(t, recs...)
	})
	return tk
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(s.Attributes))
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// spanNamed returns the single span named name.
func spanNamed(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one span named %q, got %d", name, len(found))
	}
	return found[0]
}

type user struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Score int    `json:"score"`
}

type reportIn struct {
	UserID int `json:"userId" validate:"required,min=1"`
}

type report struct {
	Name  string `json:"name"`
	Total int    `json:"total"`
}

var errNotFound = errors.New("not found")

func newFetchUser() *boundary.Boundary[int, user] {
	return boundary.New("fetchUser", func(_ context.Context, id int) (user, error) {
		if id >= 90 {
			return user{}, fmt.Errorf("user %d: %w", id, errNotFound)
		}
		return user{ID: id, Name: fmt.Sprintf("user-%d", id), Score: id * 10}, nil
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
