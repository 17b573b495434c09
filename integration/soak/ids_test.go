package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRunsSkipsCutLines(t *testing.T) {
	in := "01a222d6-a118-7087-a4c1-4674d9222309 1795880821015799545 528235\n" +
		"not a run\n" +
		"01a222d6-a11d-7cba-8698-d7f181a525e8 1795880821021806802 187449\n" +
		"01a222d6-a122-7de4-8e4e-728d4" // killed mid-line
	runs, err := parseRuns(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, madeRun{id: "01a222d6-a118-7087-a4c1-4674d9222309", start: 1795880821015799545, latency: 528235 * time.Nanosecond}, runs[0])
	assert.Equal(t, "01a222d6-a11d-7cba-8698-d7f181a525e8", runs[1].id)
}

func TestMissing(t *testing.T) {
	runs := []madeRun{{id: "a"}, {id: "b"}, {id: "c"}}
	assert.Equal(t, 1, missing(runs, map[string]int64{"a": 1, "c": 2}))
	assert.Equal(t, 3, missing(runs, map[string]struct{}{}))
}

func TestSpooledIDsReadsWhatAKillLeft(t *testing.T) {
	dir := t.TempDir()
	_, err := spooledIDs(t.Context(), dir, filepath.Join(dir, "snapshot"))
	require.ErrorIs(t, err, errNoSpool)

	sp, err := spool.Open(t.Context(), filepath.Join(dir, "spool"))
	require.NoError(t, err)
	defer sp.Close()
	n, err := sp.Put(t.Context(), []spool.Entry{{ID: "a", Data: []byte(`{}`)}, {ID: "b", Data: []byte(`{}`)}})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	// The spool is still open, its writes in the write-ahead log, as a
	// killed producer leaves them.
	ids, err := spooledIDs(t.Context(), filepath.Join(dir, "spool"), filepath.Join(dir, "snapshot"))
	require.NoError(t, err)
	assert.Equal(t, map[string]struct{}{"a": {}, "b": {}}, ids)
}
