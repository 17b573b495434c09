package task_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// describedRecord returns the fixture record with the metadata a record
// carries about itself: the ids of its span, why it is incomplete or
// trimmed, what it left out past its bounds.
func describedRecord(t *testing.T) *otelrecord.ExecutionRecord {
	t.Helper()
	_, rec := loadTSRecord(t)
	for k, v := range map[string]string{
		otelrecord.MetadataTraceID:                          "0af7651916cd43dd8448eb211c80319c",
		otelrecord.MetadataSpanID:                           "b7ad6b7169203331",
		otelrecord.MetadataIncomplete:                       "have 0 of 1 boundary spans",
		otelrecord.MetadataTrimmed:                          "123456",
		otelrecord.MetadataCallsOmitted:                     "3",
		otelrecord.MetadataCallsOmittedPrefix + "fetchUser": "3,1.5",
	} {
		rec.Metadata[k] = v
	}
	return rec
}

// assertOnlyRunMetadata requires md to hold the fixture's own entries and
// none of the entries describing the replayed record.
func assertOnlyRunMetadata(t *testing.T, md map[string]string) {
	t.Helper()
	assert.Equal(t, "req-1", md["requestId"])
	assert.Equal(t, "production", md["environment"])
	for _, k := range []string{otelrecord.MetadataIncomplete, otelrecord.MetadataTrimmed,
		otelrecord.MetadataCallsOmitted, otelrecord.MetadataCallsOmittedPrefix + "fetchUser"} {
		assert.NotContains(t, md, k)
	}
}

var replayFetchUser = task.ReplayConfig{Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay}}

func TestSafeReplayMetadataWithoutRecordingSpan(t *testing.T) {
	var fetched, emailed atomic.Int64
	tk := newTSTask(noop.NewTracerProvider(), &fetched, &emailed)
	old := describedRecord(t)

	_, rec, err := tk.SafeReplay(context.Background(), old, replayFetchUser)
	require.NoError(t, err)
	assertOnlyRunMetadata(t, rec.Metadata)
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataTraceID, "the replayed run's ids are not the new run's")
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataSpanID)

	// A no-op tracer under a parent returns the parent's ids: they are not
	// the run's either.
	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	_, rec, err = tk.SafeReplay(ctx, old, replayFetchUser)
	require.NoError(t, err)
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataTraceID)
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataSpanID)
	_, rec, err = tk.SafeRun(ctx, tsInput{UserID: 1})
	require.NoError(t, err)
	assert.NotContains(t, rec.Metadata, otelrecord.MetadataSpanID, "a run without a recording span has no ids")
}

func TestSafeReplayMetadataIsTheNewRun(t *testing.T) {
	h := newTestProvider(t)
	var fetched, emailed atomic.Int64
	tk := checkAll(t, h, newTSTask(h.TracerProvider(), &fetched, &emailed))
	old := describedRecord(t)

	_, rec, err := tk.SafeReplay(context.Background(), old, replayFetchUser)
	require.NoError(t, err)
	assertOnlyRunMetadata(t, rec.Metadata)
	spans := h.Exporter().GetSpans()
	ts := spans[len(spans)-1]
	require.Equal(t, old.UUID, attrs(ts)[otelrecord.TaskReplayFromKey].AsString())
	assert.Equal(t, ts.SpanContext.TraceID().String(), rec.Metadata[otelrecord.MetadataTraceID])
	assert.Equal(t, ts.SpanContext.SpanID().String(), rec.Metadata[otelrecord.MetadataSpanID])

	// The record rebuilt from the replay's spans is complete and says so.
	var rebuilt *otelrecord.ExecutionRecord
	for _, r := range h.Records(t) {
		if r.UUID == rec.UUID {
			rebuilt = r
		}
	}
	require.NotNil(t, rebuilt)
	assertOnlyRunMetadata(t, rebuilt.Metadata)
	assert.Equal(t, rec.Metadata[otelrecord.MetadataSpanID], rebuilt.Metadata[otelrecord.MetadataSpanID])
	h.AssertRebuilt(t, rec)
}
