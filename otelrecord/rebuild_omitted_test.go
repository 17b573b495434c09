package otelrecord

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

// omittedCall is the span of a call past its run's bound, as package
// boundary writes it: no run uuid, seq or payload.
func omittedCall(id byte, name string, start, end float64) Span {
	return Span{
		TraceID: traceID, SpanID: spanID(id), ParentSpanID: spanID(1), Name: name,
		StartTime: at(start), EndTime: at(end),
		Attributes: []attribute.KeyValue{KindKey.String(KindBoundary), BoundaryNameKey.String(name), BoundaryOmittedKey.Bool(true)},
	}
}

func TestRebuildBoundedRun(t *testing.T) {
	task := scenarioTask()
	task.metadata = `{"requestId":"req-1","hive.calls.omitted":"2","hive.calls.omitted.fetchUser":"2,1.5"}`
	want := scenarioRecord()
	want.Metadata[MetadataCallsOmitted] = "2"
	want.Metadata[MetadataCallsOmittedPrefix+"fetchUser"] = "2,1.5"

	spans := []Span{task.span()}
	for _, c := range scenarioCalls() {
		spans = append(spans, c.span())
	}
	spans = append(spans, omittedCall(5, "fetchUser", 7, 7.5), omittedCall(6, "fetchUser", 7.5, 8.5))

	recs, err := Rebuild(permute(spans))
	require.NoError(t, err, "the calls left out are not missing")
	requireSameRecords(t, []*ExecutionRecord{want}, recs)

	// Even with its run uuid, a span marked omitted is left out.
	withUUID := omittedCall(7, "fetchUser", 7, 7.5)
	withUUID.Attributes = append(withUUID.Attributes, RunUUIDKey.String(runA), BoundarySeqKey.Int(3), BoundaryInputKey.String(`[5]`))
	rec, err := RebuildRun(spans[0], append(spans[1:4:4], withUUID))
	require.NoError(t, err)
	requireSameJSON(t, want, rec)
}

func TestFormatOmittedCalls(t *testing.T) {
	assert.Equal(t, "3,0", FormatOmittedCalls(3, 0))
	assert.Equal(t, "1200,35.5", FormatOmittedCalls(1200, 35500*time.Microsecond))
	assert.Equal(t, "1,0.000001", FormatOmittedCalls(1, time.Nanosecond))
}
