package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
)

// newTestProvider returns the fidelity harness: an SDK TracerProvider whose
// spans land in an in-memory exporter and in a record processor, so a test
// can compare the records runs return with the records rebuilt from spans.
func newTestProvider(t testing.TB) *exportertest.Harness {
	t.Helper()
	return exportertest.NewHarness(t)
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
