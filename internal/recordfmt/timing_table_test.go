package recordfmt_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func timing(start, end int64, dur float64) *otelrecord.TimingInfo {
	return &otelrecord.TimingInfo{StartTime: start, EndTime: end, Duration: dur}
}

func sampleRecord() *otelrecord.ExecutionRecord {
	return &otelrecord.ExecutionRecord{
		UUID:     "0193f0a0-0000-7000-8000-000000000001",
		TaskName: "getUserReport",
		Type:     otelrecord.TypeError,
		Error:    "user 99 not found",
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"fetchUser": {
				{Input: []byte(`[1]`), Output: []byte(`{}`), Timing: timing(1000, 1004, 4)},
				{Input: []byte(`[99]`), Error: "user 99\nnot found", Timing: timing(1010, 1011, 1.25)},
			},
			"audit":    {{Input: []byte(`[]`), Output: []byte(`true`), Timing: timing(1002, 1003, 0.5)}},
			"sendMail": {},
		},
		Timing: timing(1000, 1012, 12.5),
	}
}

func TestWriteTimingTable(t *testing.T) {
	var b strings.Builder
	require.NoError(t, recordfmt.WriteTimingTable(&b, sampleRecord()))
	want := `getUserReport 0193f0a0-0000-7000-8000-000000000001: error, 12.500 ms, 3 boundary calls
BOUNDARY   CALL  START (ms)  DURATION (ms)  OUTCOME
fetchUser  1     0           4.000          ok
audit      1     2           0.500          ok
fetchUser  2     10          1.250          error: user 99 not found
sendMail   -     -           -              not called
`
	assert.Equal(t, want, b.String())
}

func TestWriteTimingTableWithoutTimings(t *testing.T) {
	rec := &otelrecord.ExecutionRecord{
		TaskName: "t",
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"b": {{Input: []byte(`[]`), Error: strings.Repeat("x", 200)}},
		},
	}
	var b strings.Builder
	require.NoError(t, recordfmt.WriteTimingTable(&b, rec))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, "t (no uuid): unknown, no timing, 1 boundary call", lines[0])
	assert.Regexp(t, `^b\s+1\s+-\s+-\s+error: x+…$`, lines[2])
	assert.Equal(t, 80, len([]rune(lines[2][strings.Index(lines[2], "error: ")+7:])), "long errors are cut to 80 runes")

	b.Reset()
	require.NoError(t, recordfmt.WriteTimingTable(&b, &otelrecord.ExecutionRecord{TaskName: "none", Type: otelrecord.TypeSuccess}))
	assert.Equal(t, "none (no uuid): success, no timing, 0 boundary calls\n(no boundaries)\n", b.String())
}

type failWriter struct{}

var errWrite = errors.New("write failed")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestErrors(t *testing.T) {
	assert.Error(t, recordfmt.WriteTimingTable(&strings.Builder{}, nil))
	assert.Error(t, recordfmt.WriteRecordJSON(&strings.Builder{}, nil))
	assert.ErrorIs(t, recordfmt.WriteTimingTable(failWriter{}, sampleRecord()), errWrite)
	assert.ErrorIs(t, recordfmt.WriteRecordJSON(failWriter{}, sampleRecord()), errWrite)
}

func TestWriteRecordJSON(t *testing.T) {
	var b strings.Builder
	rec := &otelrecord.ExecutionRecord{UUID: "u", TaskName: "t", Input: []byte(`{"a":1}`), Type: otelrecord.TypeSuccess}
	require.NoError(t, recordfmt.WriteRecordJSON(&b, rec))
	assert.Equal(t, "{\n  \"uuid\": \"u\",\n  \"taskName\": \"t\",\n  \"input\": {\n    \"a\": 1\n  },\n  \"type\": \"success\"\n}\n", b.String())
}
