package exportertest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// memSink is a sink keeping records in memory, with switchable faults.
type memSink struct {
	mu      sync.Mutex
	kept    []*otelrecord.ExecutionRecord
	fault   func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord
	failAll error
}

func (s *memSink) Deliver(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
	if s.failAll != nil {
		return s.failAll
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		if s.fault != nil {
			s.kept = append(s.kept, s.fault(r)...)
			continue
		}
		s.kept = append(s.kept, r)
	}
	return nil
}

func (s *memSink) stored() []*otelrecord.ExecutionRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), s.kept...)
}

func TestSinkPassesGoodSink(t *testing.T) {
	TestSink(t, func(*testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
		s := &memSink{}
		return s, s.stored
	})
}

// runChecks runs every check on fresh sinks made by newSink and returns the
// problems by check name.
func runChecks(t *testing.T, newSink func() *memSink) map[string][]error {
	out := map[string][]error{}
	for _, c := range sinkChecks {
		s := newSink()
		if errs := c.run(t, s, s.stored); len(errs) > 0 {
			out[c.name] = errs
		}
	}
	return out
}

func TestSinkReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name  string
		fault func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord
		want  string
	}{
		{"loses error records", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			if r.Type == otelrecord.TypeError {
				return nil
			}
			return []*otelrecord.ExecutionRecord{r}
		}, "delivered but not stored"},
		{"stores twice", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			return []*otelrecord.ExecutionRecord{r, r}
		}, "stored 2 times"},
		{"rounds timing", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			c := r.Clone()
			if c.Timing != nil {
				c.Timing.Duration = float64(int64(c.Timing.Duration))
			}
			return []*otelrecord.ExecutionRecord{c}
		}, "stored altered"},
		{"drops empty boundaries", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			c := r.Clone()
			for k, v := range c.Boundaries {
				if len(v) == 0 {
					delete(c.Boundaries, k)
				}
			}
			return []*otelrecord.ExecutionRecord{c}
		}, "stored altered"},
		{"turns null output into absent", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			c := r.Clone()
			if string(c.Output) == "null" {
				c.Output = nil
			}
			return []*otelrecord.ExecutionRecord{c}
		}, "stored altered"},
		{"invents records", func(r *otelrecord.ExecutionRecord) []*otelrecord.ExecutionRecord {
			return []*otelrecord.ExecutionRecord{r, {UUID: "invented", TaskName: "x"}}
		}, "never delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := runChecks(t, func() *memSink { return &memSink{fault: tt.fault} })
			require.NotEmpty(t, problems)
			assert.Contains(t, problems, "Batch", "the batch holds every shape")
			assert.Contains(t, problems, "Concurrent")
			var all []string
			for _, errs := range problems {
				for _, err := range errs {
					all = append(all, err.Error())
				}
			}
			assert.Contains(t, strings.Join(all, "\n"), tt.want)
			assert.Greater(t, len(all), len(problems), "problems are reported all at once, not one per check")
		})
	}
}

func TestSinkReportsDeliverErrors(t *testing.T) {
	errDown := errors.New("down")
	problems := runChecks(t, func() *memSink { return &memSink{failAll: errDown} })
	for _, name := range []string{"OneRecord", "Batch", "SeveralCalls", "EmptyCall", "Concurrent", "FlushAndShutdown"} {
		require.Contains(t, problems, name)
		assert.ErrorIs(t, problems[name][0], errDown)
	}
}

func TestSampleRecordsAreValidAndFresh(t *testing.T) {
	a, b := SampleRecords(), SampleRecords()
	require.Len(t, a, len(b))
	seen := map[string]bool{}
	for i := range a {
		assert.NotEqual(t, a[i].UUID, b[i].UUID, "fresh UUIDs each call")
		assert.False(t, seen[a[i].UUID])
		seen[a[i].UUID] = true
		data, err := json.Marshal(a[i])
		require.NoError(t, err)
		var back otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal(data, &back))
		again, err := json.Marshal(&back)
		require.NoError(t, err)
		assert.JSONEq(t, string(data), string(again), "round-trips through JSON")
	}
}
