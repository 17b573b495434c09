package exporter_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/internal/testutil"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// readJSONLines decodes every line of data as a record.
func readJSONLines(t *testing.T, data []byte) []*otelrecord.ExecutionRecord {
	t.Helper()
	var out []*otelrecord.ExecutionRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r otelrecord.ExecutionRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Errorf("line %q is not a record: %v", sc.Text(), err)
			continue
		}
		out = append(out, &r)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestJSONLinesSinkConformance(t *testing.T) {
	exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
		var buf testutil.LockedBuffer
		return exporter.NewJSONLinesSink(&buf), func() []*otelrecord.ExecutionRecord {
			return readJSONLines(t, buf.Bytes())
		}
	})
}

func TestJSONLinesFileSinkConformance(t *testing.T) {
	exportertest.TestSink(t, func(t *testing.T) (exporter.Sink, func() []*otelrecord.ExecutionRecord) {
		path := filepath.Join(t.TempDir(), "records.jsonl")
		sink, err := exporter.NewJSONLinesFileSink(path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sink.Shutdown(context.Background()) })
		return sink, func() []*otelrecord.ExecutionRecord {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			return readJSONLines(t, data)
		}
	})
}

func TestJSONLinesFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"uuid":"earlier","type":"success"}`+"\n"), 0o600))

	sink, err := exporter.NewJSONLinesFileSink(path)
	require.NoError(t, err)
	recs := exportertest.SampleRecords()
	require.NoError(t, sink.Deliver(context.Background(), recs[0], nil, recs[1]))
	require.NoError(t, sink.Shutdown(context.Background()))
	require.ErrorIs(t, sink.Deliver(context.Background(), recs[2]), exporter.ErrSinkClosed)
	require.NoError(t, sink.Shutdown(context.Background()), "a second Shutdown does nothing")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 3, "appends one line per record, skipping nil")
	assert.Contains(t, lines[0], `"earlier"`)
	want, err := json.Marshal(recs[1])
	require.NoError(t, err)
	assert.Equal(t, string(want), lines[2], "each line is the record's JSON")

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestJSONLinesFileSinkBadPath(t *testing.T) {
	_, err := exporter.NewJSONLinesFileSink(filepath.Join(t.TempDir(), "missing", "records.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestJSONLinesSinkFlushesBufferedWriter(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	sink := exporter.NewJSONLinesSink(w)
	require.NoError(t, sink.Deliver(context.Background(), exportertest.SampleRecords()[0]))
	assert.Zero(t, buf.Len(), "still in the bufio.Writer")
	require.NoError(t, sink.ForceFlush(context.Background()))
	assert.Len(t, readJSONLines(t, buf.Bytes()), 1)
}

func TestJSONLinesSinkCancelledContext(t *testing.T) {
	var buf bytes.Buffer
	sink := exporter.NewJSONLinesSink(&buf)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, sink.Deliver(ctx, exportertest.SampleRecords()...), context.Canceled)
	assert.Zero(t, buf.Len())
}
