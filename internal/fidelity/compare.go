package fidelity

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// AssertIn finds the one record of got with want's uuid and requires it to
// equal want as it leaves the process: want redacted by the process's
// payload capture policy (run.DefaultRedactor: the default keys,
// HIVE_REDACT_KEYS, HIVE_CAPTURE_PAYLOADS), which is what the spans of a
// task without redaction options carry. A record already redacted (the one
// a listener receives) is unchanged by it. Their JSON encodings, decoded,
// must be equal, so raw JSON spacing and key order do not matter while every
// value, the timing included, must match exactly.
func AssertIn(t testing.TB, got []*otelrecord.ExecutionRecord, want *otelrecord.ExecutionRecord) {
	t.Helper()
	AssertInRedacted(t, got, want, run.DefaultRedactor())
}

// AssertInRedacted is AssertIn with want redacted by r, the redactor of the
// task's own policy (nil: want as it is).
func AssertInRedacted(t testing.TB, got []*otelrecord.ExecutionRecord, want *otelrecord.ExecutionRecord, r *otelrecord.Redactor) {
	t.Helper()
	require.NotNil(t, want, "fidelity: want is nil")
	want = r.RedactRecord(want)
	require.NotEmpty(t, want.UUID, "fidelity: want has no UUID")
	var found []*otelrecord.ExecutionRecord
	for _, r := range got {
		if r != nil && r.UUID == want.UUID {
			found = append(found, r)
		}
	}
	require.Lenf(t, found, 1, "fidelity: records rebuilt for %s (task %q); rebuilt uuids: %v",
		want.UUID, want.TaskName, UUIDs(got))
	wantJSON, err := Canonical(want)
	require.NoError(t, err)
	gotJSON, err := Canonical(found[0])
	require.NoError(t, err)
	require.Equal(t, wantJSON, gotJSON, "fidelity: rebuilt record %s differs from the run's record", want.UUID)
}

// Canonical decodes the JSON encoding of r into plain Go values, so two
// records compare equal when their JSON does, whatever the spacing of their
// raw payloads or the order of their keys.
func Canonical(r *otelrecord.ExecutionRecord) (any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.UUID, err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode record %s: %w", r.UUID, err)
	}
	return v, nil
}

// UUIDs lists the records' uuids, "<nil>" for nil records.
func UUIDs(recs []*otelrecord.ExecutionRecord) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		if r == nil {
			out = append(out, "<nil>")
			continue
		}
		out = append(out, r.UUID)
	}
	return out
}
