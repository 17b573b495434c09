package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// The credentials and project every test's Hive server and clients use.
const (
	hiveKey       = "e2e-key"
	hiveSecret    = "e2e-secret"
	hiveProject   = "0193b000-e2e0-7000-8000-000000000001"
	hiveKeyEnv    = "HIVE_API_KEY=" + hiveKey
	hiveSecretEnv = "HIVE_API_SECRET=" + hiveSecret
)

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

type digestIn struct {
	UserIDs []int `json:"userIds" validate:"required,min=1"`
}

type digest struct {
	Day     string   `json:"day"`
	Reports []report `json:"reports"`
}

var errNotFound = errors.New("not found")

// scenarios are the tasks of a small application: getUserReport calls the
// fetchUser boundary; dailyDigest calls the clock boundary and
// getUserReport as a boundary (a nested task run).
type scenarios struct {
	report *task.Task[reportIn, report]
	digest *task.Task[digestIn, digest]

	mu      sync.Mutex
	records map[string]*otelrecord.ExecutionRecord // by uuid
	order   []string
}

func newScenarios() *scenarios {
	s := &scenarios{records: make(map[string]*otelrecord.ExecutionRecord)}
	fetchUser := boundary.New("fetchUser", func(_ context.Context, id int) (user, error) {
		if id >= 90 {
			return user{}, fmt.Errorf("user %d: %w", id, errNotFound)
		}
		return user{ID: id, Name: fmt.Sprintf("user-%d", id), Score: id * 10}, nil
	})
	s.report = task.New("getUserReport", func(ctx context.Context, in reportIn) (report, error) {
		_ = task.SetMetadata(ctx, "requestId", fmt.Sprintf("req-%d", in.UserID))
		u, err := fetchUser.Call(ctx, in.UserID)
		if err != nil {
			return report{}, err
		}
		m, _ := otelrecord.NewMetric("business", "score", float64(u.Score))
		_ = task.SetMetrics(ctx, m)
		return report{Name: u.Name, Total: u.Score * 2}, nil
	}, task.WithBoundaries(fetchUser), task.WithDescription("a user's report"))
	// Every getUserReport record, the nested ones included, reaches s.
	s.report.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) { s.add(rec) })

	clock := boundary.New("clock", func(context.Context, struct{}) (string, error) {
		return "2026-05-01", nil
	})
	reportB := s.report.AsBoundary()
	s.digest = task.New("dailyDigest", func(ctx context.Context, in digestIn) (digest, error) {
		day, err := clock.Call(ctx, struct{}{})
		if err != nil {
			return digest{}, err
		}
		d := digest{Day: day}
		for _, id := range in.UserIDs {
			r, err := reportB.Call(ctx, reportIn{UserID: id})
			if err != nil {
				return d, err
			}
			d.Reports = append(d.Reports, r)
		}
		return d, nil
	}, task.WithBoundaries(clock, reportB))
	return s
}

func (s *scenarios) add(rec *otelrecord.ExecutionRecord) {
	if rec == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.records[rec.UUID]; !ok {
		s.order = append(s.order, rec.UUID)
	}
	s.records[rec.UUID] = rec
}

// all returns every record the runs returned or delivered, in order.
func (s *scenarios) all() []*otelrecord.ExecutionRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*otelrecord.ExecutionRecord, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.records[id])
	}
	return out
}

// run runs every scenario: a success, a boundary error, invalid input, a
// nested task (two child runs), and a replay of the success from its record.
// It returns the top-level records by scenario name.
func (s *scenarios) run(ctx context.Context, t *testing.T) map[string]*otelrecord.ExecutionRecord {
	t.Helper()
	top := make(map[string]*otelrecord.ExecutionRecord)

	out, rec, err := s.report.SafeRun(ctx, reportIn{UserID: 7})
	require.NoError(t, err)
	require.Equal(t, report{Name: "user-7", Total: 140}, out)
	s.add(rec)
	top["success"] = rec

	_, rec, err = s.report.SafeRun(ctx, reportIn{UserID: 99})
	require.ErrorIs(t, err, errNotFound)
	s.add(rec)
	top["boundary error"] = rec

	_, rec, err = s.report.SafeRun(ctx, reportIn{})
	require.ErrorIs(t, err, task.ErrInvalidInput)
	s.add(rec)
	top["invalid input"] = rec

	d, rec, err := s.digest.SafeRun(ctx, digestIn{UserIDs: []int{1, 2}})
	require.NoError(t, err)
	require.Len(t, d.Reports, 2)
	s.add(rec)
	top["nested"] = rec

	out, rec, err = s.report.SafeReplay(ctx, top["success"], task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay},
	})
	require.NoError(t, err)
	require.Equal(t, report{Name: "user-7", Total: 140}, out)
	s.add(rec)
	top["replay"] = rec

	for name, r := range top {
		require.NotNil(t, r, name)
		require.NotEmpty(t, r.UUID, name)
	}
	return top
}

// resetGlobals leaves no-op OTel globals behind when the test ends, instead
// of the providers otelsetup.Setup installed.
func resetGlobals(t *testing.T) {
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	})
}

// cleanEnv unsets the variables otelsetup.Setup and the Hive client read, and
// keeps OTLP exporters away from any real collector.
func cleanEnv(t *testing.T) {
	for _, k := range []string{
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
		"HIVE_API_KEY", "HIVE_API_SECRET", "HIVE_HOST", "HIVE_PROJECT_NAME", "HIVE_PROJECT_UUID", "HIVE_FORGE_PATH",
		"HIVE_MAX_PAYLOAD_BYTES",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
}

// requireSameRecord requires two records to have the same JSON, key order
// and spacing aside: every value, the timing included, must match.
func requireSameRecord(t *testing.T, want, got *otelrecord.ExecutionRecord, msgAndArgs ...any) {
	t.Helper()
	require.NotNil(t, got, msgAndArgs...)
	wb, err := json.Marshal(want)
	require.NoError(t, err)
	gb, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(wb), string(gb), msgAndArgs...)
}
