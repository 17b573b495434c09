package main

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the whole demo: it must succeed, fetch a record back from the
// embedded server and replay it without calling the real boundaries.
func TestRun(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")

	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	s := out.String()

	// The successful run's uuid, as printed in section 1, is the one fetched.
	m := regexp.MustCompile(`(?s)== 1\. a successful run.*?"uuid": "([0-9a-f-]{36})"`).FindStringSubmatch(s)
	require.Len(t, m, 2, s)
	okUUID := m[1]
	assert.Contains(t, s, "== 4. fetched back from the Hive server: GET /api/tasks/getUserReport/logs/"+okUUID)
	fetched := regexp.MustCompile(`(?s)== 4\..*?\n(\{.*?\n\})\n`).FindStringSubmatch(s)
	require.Len(t, fetched, 2, s)
	assert.Contains(t, fetched[1], `"uuid": "`+okUUID+`"`)
	assert.Contains(t, fetched[1], `"userName": "Ada"`)
	assert.Contains(t, fetched[1], `"name": "orderTotal"`)

	assert.Contains(t, s, "run error: user 99 not found")
	assert.Contains(t, s, "error: user 99 not found") // the timing table's outcome
	assert.Contains(t, s, `"taskName": "weeklyDigest"`)
	assert.Contains(t, s, "replayed output: {\"name\":\"Ada\",\"total\":20}\nrecorded output: {\"name\":\"Ada\",\"total\":20}")
	assert.Contains(t, s, "real boundary calls during the replay: 0")
	assert.Contains(t, s, "OTEL_EXPORTER_OTLP_ENDPOINT")
}
