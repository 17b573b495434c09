package run

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestRunOmitsCallsPastMaxCalls(t *testing.T) {
	r := New(Config[mode]{Limits: Limits{Calls: 3}})
	for i, name := range []string{"a", "b", "a", "b", "c", "b", "b"} {
		call(r, name, "["+strconv.Itoa(i)+"]")
	}
	calls := r.Calls()
	require.Len(t, calls["a"], 2)
	require.Len(t, calls["b"], 1)
	assert.NotContains(t, calls, "c", "only omitted calls: not in the log")
	assert.Equal(t, 3, r.CallCount())

	total, byName := r.Omitted()
	assert.Equal(t, 4, total)
	require.Len(t, byName, 2)
	assert.Equal(t, "b", byName[0].Name, "in the order first omitted")
	assert.Equal(t, 3, byName[0].Count)
	assert.Equal(t, "c", byName[1].Name)
	assert.Equal(t, 1, byName[1].Count)
	assert.GreaterOrEqual(t, byName[0].Duration, time.Duration(0))

	seq, e, _ := r.Begin("a", 1)
	assert.Equal(t, -1, seq, "an omitted call has no position")
	assert.Nil(t, e)
}

func TestRunOmitsCallsPastMaxBytes(t *testing.T) {
	r := New(Config[mode]{Limits: Limits{Bytes: 20}})
	// Each call keeps 10 bytes: 5 of input, 5 of output.
	for i := range 5 {
		call(r, "f", "[100"+strconv.Itoa(i)+"]")
	}
	assert.Len(t, r.Calls()["f"], 2, "20 bytes kept: the bound is reached")
	total, _ := r.Omitted()
	assert.Equal(t, 3, total)

	// A call begun under the bound is kept whatever its size; the next is
	// omitted.
	r = New(Config[mode]{Limits: Limits{Bytes: 20}})
	call(r, "f", "["+string(make([]byte, 100))+"]")
	call(r, "f", "[1]")
	assert.Len(t, r.Calls()["f"], 1)
	total, _ = r.Omitted()
	assert.Equal(t, 1, total)
}

func TestRunWithoutLimitsOmitsNothing(t *testing.T) {
	for _, l := range []Limits{{}, {Calls: -1, Bytes: -1}} {
		r := New(Config[mode]{Limits: l})
		for i := range 100 {
			call(r, "f", strconv.Itoa(i))
		}
		assert.Len(t, r.Calls()["f"], 100)
		total, byName := r.Omitted()
		assert.Zero(t, total)
		assert.Nil(t, byName)
	}
}

// TestRunLimitsConcurrent makes calls from several goroutines into a
// bounded run (run with -race): the log holds exactly the bound and every
// other call is counted.
func TestRunLimitsConcurrent(t *testing.T) {
	r := New(Config[mode]{Limits: Limits{Calls: 50}})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				call(r, "b"+strconv.Itoa(g%2), strconv.Itoa(i))
			}
		})
	}
	wg.Wait()
	kept := 0
	for _, cs := range r.Calls() {
		kept += len(cs)
	}
	total, byName := r.Omitted()
	assert.Equal(t, 50, kept)
	assert.Equal(t, 350, total)
	sum := 0
	for _, o := range byName {
		sum += o.Count
	}
	assert.Equal(t, total, sum)
}

// TestRunCountsRunningCallsLater: the output of a call still running when
// the next calls begin counts once it has finished, at the next recheck.
func TestRunCountsRunningCallsLater(t *testing.T) {
	r := New(Config[mode]{Limits: Limits{Bytes: 1000}})
	_, slow, start := r.Begin("slow", 1)
	for range 10 {
		call(r, "fast", "1")
	}
	r.Finish(slow, otelrecord.BoundaryRecord{Input: json.RawMessage("1"), Output: make(json.RawMessage, 2000)}, Unencodable{}, start, r.Clock())
	for range 100 {
		call(r, "fast", "1")
	}
	assert.Len(t, r.Calls()["fast"], 63, "read again at the 64th call, then full")
	total, _ := r.Omitted()
	assert.Equal(t, 47, total)
}
