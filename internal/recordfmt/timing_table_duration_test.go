package recordfmt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Records of the TypeScript implementation may leave "duration" out: the
// table shows the duration derived from the start and end times, or none,
// never an invented 0.
func TestTimingTableWithoutDuration(t *testing.T) {
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal([]byte(`{"uuid":"u-1","taskName":"t","type":"success",
		"boundaries":{"fetch":[{"input":[1],"output":1,"timing":{"startTime":1000.5,"endTime":1003}}],
		"clock":[{"input":[],"output":2,"timing":{"startTime":1001}}]},
		"timing":{"startTime":1000,"endTime":1004.25}}`), &rec))
	var b strings.Builder
	require.NoError(t, WriteTimingTable(&b, &rec))
	out := b.String()
	assert.Contains(t, out, "4.250 ms", "the run's duration, derived: %s", out)
	var fetch, clock string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "fetch"):
			fetch = line
		case strings.HasPrefix(line, "clock"):
			clock = line
		}
	}
	assert.Contains(t, fetch, "2.500", out)
	assert.NotContains(t, clock, "0.000", "no duration is printed as none: %s", out)

	rec.Timing = &otelrecord.TimingInfo{}
	require.NoError(t, json.Unmarshal([]byte(`{"startTime":1000}`), rec.Timing))
	b.Reset()
	require.NoError(t, WriteTimingTable(&b, &rec))
	assert.Contains(t, b.String(), "no duration")
}
