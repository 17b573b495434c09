package otelrecord

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAssemblerEmitsWhenComplete(t *testing.T) {
	spans := scenarioSpans() // task, then three boundary spans
	a := NewAssembler()

	assert.Empty(t, a.Add(spans[3], userSpan(50, 1, 0, 1)))
	assert.Empty(t, a.Add(spans[0]), "one boundary span of three")
	assert.Equal(t, 1, a.Len())
	recs := a.Add(spans[1], spans[1]) // a retried copy counts once
	assert.Empty(t, recs)
	recs = a.Add(spans[2])
	requireSameRecords(t, []*ExecutionRecord{scenarioRecord()}, recs)
	assert.Equal(t, 0, a.Len())

	assert.Empty(t, a.Add(spans...), "late copies of an emitted run are dropped")
	assert.Equal(t, 0, a.Len())
	assert.Empty(t, a.Flush(time.Now().Add(time.Hour)))
}

func TestAssemblerNestedRuns(t *testing.T) {
	spans, want := nestedSpans()
	a := NewAssembler()
	var got []*ExecutionRecord
	for _, s := range permute(spans) {
		got = append(got, a.Add(s)...)
	}
	requireSameRecordsByUUID(t, want, got)
}

func TestAssemblerRightAway(t *testing.T) {
	a := NewAssembler()
	ts := scenarioTask()
	ts.output, ts.recordType, ts.err, ts.invalidInput, ts.calls = nil, "error", "Invalid input on: userId: required", true, 0
	recs := a.Add(ts.span())
	require.Len(t, recs, 1, "a run with invalid input has no boundary spans to wait for")
	assert.Nil(t, recs[0].Timing)

	noUUID := scenarioTask().span()
	noUUID.Attributes = withoutKey(noUUID.Attributes, RunUUIDKey)
	recs = a.Add(noUUID)
	require.Len(t, recs, 1)
	assert.Contains(t, recs[0].Metadata[MetadataIncomplete], "missing hive.run.uuid")
	assert.Equal(t, 0, a.Len())
}

func TestAssemblerFlush(t *testing.T) {
	var logs bytes.Buffer
	a := NewAssembler(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), nil)
	clock := t0
	a.now = func() time.Time { return clock }

	spans := scenarioSpans()
	a.Add(spans[0], spans[1], spans[2]) // arrives at t0; one boundary span missing
	clock = t0.Add(time.Second)
	orphan := callSpec{id: 40, uuid: "run-orphan", name: "db", seq: 0, input: `[1]`, output: str(`1`)}.span()
	a.Add(orphan) // arrives at t0+1s
	require.Equal(t, 2, a.Len())

	assert.Empty(t, a.Flush(t0.Add(-time.Nanosecond)), "nothing arrived that early")
	recs := a.Flush(t0)
	require.Len(t, recs, 1)
	assert.Equal(t, "have 2 of 3 boundary spans", recs[0].Metadata[MetadataIncomplete])
	assert.Len(t, recs[0].Boundaries["fetchUser"], 1)
	assert.Equal(t, 1, a.Len())
	assert.Empty(t, logs.String())

	assert.Empty(t, a.Flush(t0.Add(time.Second)), "the orphan run has no record")
	assert.Equal(t, 0, a.Len())
	assert.Contains(t, logs.String(), "run_uuid=run-orphan")
	assert.Contains(t, logs.String(), "reason=flushed")

	assert.Empty(t, a.Add(spans[3]), "a late span of a flushed run is dropped")
	assert.Equal(t, 0, a.Len())
}

func TestAssemblerEvictsOldestFirst(t *testing.T) {
	var logs bytes.Buffer
	a := NewAssembler(WithMaxPendingRuns(2), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	orphan := callSpec{id: 40, uuid: "run-orphan", name: "db", seq: 0, input: `[1]`, output: str(`1`)}.span()
	waiting := func(uuid string) Span {
		ts := scenarioTask()
		ts.uuid = uuid
		return ts.span()
	}
	assert.Empty(t, a.Add(orphan, waiting("run-1")))
	assert.Empty(t, a.Add(waiting("run-2")), "the orphan is evicted, and dropped")
	assert.Contains(t, logs.String(), "run_uuid=run-orphan")
	assert.Contains(t, logs.String(), "reason=evicted")
	recs := a.Add(waiting("run-3"))
	require.Len(t, recs, 1)
	assert.Equal(t, "run-1", recs[0].UUID)
	assert.Equal(t, "have 0 of 3 boundary spans", recs[0].Metadata[MetadataIncomplete])
	assert.Equal(t, 2, a.Len())

	recs = a.Flush(time.Now())
	require.Len(t, recs, 2)
	assert.Equal(t, "run-2", recs[0].UUID)
	assert.Equal(t, "run-3", recs[1].UUID)
}

func TestAssemblerConcurrentUse(t *testing.T) {
	const runs, workers = 200, 4
	var all []Span
	for r := range runs {
		uuid := fmt.Sprintf("run-%03d", r)
		ts := scenarioTask()
		ts.uuid = uuid
		all = append(all, ts.span())
		for _, c := range scenarioCalls() {
			c.uuid = uuid
			c.id += byte(10 * (r % 20))
			all = append(all, c.span())
		}
	}
	all = permute(all)

	a := NewAssembler()
	var (
		mu  sync.Mutex
		got []*ExecutionRecord
		wg  sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(all); i += workers {
				recs := a.Add(all[i])
				mu.Lock()
				got = append(got, recs...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, got, runs)
	for _, r := range got {
		assert.NotContains(t, r.Metadata, MetadataIncomplete, r.UUID)
		assert.Len(t, r.Boundaries["fetchUser"], 2)
	}
	assert.Equal(t, 0, a.Len())
}
