package storetest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// stagingChecks are the checks of the span staging (server.SpanStager).
var stagingChecks = []struct {
	name string
	fn   func(t *testing.T, s server.Store)
}{
	{"StageSpansCompletesAndClaimsOnce", testStageCompletes},
	{"StageSpansSkipsCopies", testStageSkipsCopies},
	{"FinishRunsStoresOnce", testFinishStoresOnce},
	{"FinishRunOfOneExport", testFinishWholeRun},
	{"IncompleteRecordIsCompletedLater", testIncompleteCompleted},
	{"IncompleteRecordNeverReplacesOne", testIncompleteNeverReplaces},
	{"RefusedRunIsClosed", testRefusedRun},
	{"SweepTakesExpiredClaims", testSweepExpiredClaims},
	{"SweepDropsOrphans", testSweepDropsOrphans},
	{"ConcurrentStagingCompletesEachRunOnce", testConcurrentStaging},
}

const stageProject = "0190e0a0-0000-7000-8000-00000000aaaa"

func runKey(i int) server.RunKey {
	return server.RunKey{ProjectUUID: stageProject, RunUUID: fmt.Sprintf("0190e0a0-0000-7000-8000-%012d", i)}
}

// spanID returns a distinct span id for run i, span j.
func spanID(i, j int) (id [8]byte) {
	binary.BigEndian.PutUint32(id[:4], uint32(i)+1)
	binary.BigEndian.PutUint32(id[4:], uint32(j)+1)
	return id
}

// taskSpan is the task-run span of run i announcing want boundary spans.
func taskSpan(i int, want int64) server.StagedSpan {
	return server.StagedSpan{SpanID: spanID(i, 0), Task: true, Want: want, Data: []byte(fmt.Sprintf("task-%d", i))}
}

// boundarySpan is boundary span j (from 1) of run i.
func boundarySpan(i, j int) server.StagedSpan {
	return server.StagedSpan{SpanID: spanID(i, j), Want: -1, Data: []byte(fmt.Sprintf("boundary-%d-%d", i, j))}
}

func staged(i int, spans ...server.StagedSpan) server.StagedRun {
	return server.StagedRun{Key: runKey(i), ProjectName: "staging", Spans: spans}
}

func stage(t *testing.T, s server.Store, now time.Time, runs ...server.StagedRun) server.StageResult {
	t.Helper()
	res, err := s.StageSpans(context.Background(), runs, now, now.Add(time.Minute))
	require.NoError(t, err)
	return res
}

// assembled is the record of run i, noted note.
func assembled(i int, note string, incomplete bool) server.AssembledRun {
	k := runKey(i)
	return server.AssembledRun{Key: k, Incomplete: incomplete, Entry: server.IngestEntry{
		Log:         server.StoredLog{ProjectUUID: k.ProjectUUID, TaskName: "staged-task", UUID: k.RunUUID, Record: record("staged-task", k.RunUUID, note), CreatedAt: base},
		ProjectName: "staging",
	}}
}

func finish(t *testing.T, s server.Store, runs ...server.AssembledRun) []server.FinishResult {
	t.Helper()
	res, err := s.FinishRuns(context.Background(), runs)
	require.NoError(t, err)
	require.Len(t, res, len(runs), "one result per run")
	return res
}

func storedNote(t *testing.T, s server.Store, i int) string {
	t.Helper()
	e, err := s.GetLog(context.Background(), server.LogKey{ProjectUUID: stageProject, TaskName: "staged-task", UUID: runKey(i).RunUUID})
	require.NoError(t, err)
	var r struct {
		Input struct {
			Note string `json:"note"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(e.Record, &r))
	return r.Input.Note
}

func spanData(r server.StagedRun) []string {
	out := make([]string, len(r.Spans))
	for i, sp := range r.Spans {
		out[i] = string(sp.Data)
	}
	return out
}

func testStageCompletes(t *testing.T, s server.Store) {
	res := stage(t, s, at(0), staged(1, boundarySpan(1, 2), boundarySpan(1, 1)))
	assert.Equal(t, 2, res.Staged)
	assert.Empty(t, res.Ready, "no task-run span yet")

	res = stage(t, s, at(1), staged(1, taskSpan(1, 3)), staged(2, taskSpan(2, 0)))
	assert.Equal(t, 2, res.Staged)
	require.Len(t, res.Ready, 1, "run 2 announces no boundary span: it is complete")
	assert.Equal(t, runKey(2), res.Ready[0].Key)
	assert.Equal(t, "staging", res.Ready[0].ProjectName)

	res = stage(t, s, at(2), staged(1, boundarySpan(1, 3)))
	require.Len(t, res.Ready, 1, "the third boundary span completes run 1")
	r := res.Ready[0]
	assert.Equal(t, runKey(1), r.Key)
	assert.ElementsMatch(t, []string{"task-1", "boundary-1-1", "boundary-1-2", "boundary-1-3"}, spanData(r))
	for _, sp := range r.Spans {
		if sp.Task {
			assert.Equal(t, int64(3), sp.Want)
			assert.Equal(t, spanID(1, 0), [8]byte(sp.SpanID))
		}
	}

	res = stage(t, s, at(3), staged(1, boundarySpan(1, 3), taskSpan(1, 3)))
	assert.Equal(t, 0, res.Staged, "copies are not staged again")
	assert.Empty(t, res.Ready, "the run is claimed once")
}

func testStageSkipsCopies(t *testing.T, s server.Store) {
	other := taskSpan(1, 1)
	other.SpanID = spanID(1, 99)
	other.Data = []byte("second task")
	res := stage(t, s, at(0), staged(1, boundarySpan(1, 1), boundarySpan(1, 1), taskSpan(1, 2), other))
	assert.Equal(t, 2, res.Staged, "a span twice and a second task-run span are skipped")
	res = stage(t, s, at(1), staged(1, boundarySpan(1, 2)))
	require.Len(t, res.Ready, 1)
	assert.ElementsMatch(t, []string{"boundary-1-1", "task-1", "boundary-1-2"}, spanData(res.Ready[0]))
}

func testFinishStoresOnce(t *testing.T, s server.Store) {
	res := stage(t, s, at(0), staged(1, taskSpan(1, 1), boundarySpan(1, 1)))
	require.Len(t, res.Ready, 1)
	fr := finish(t, s, assembled(1, "complete", false))
	assert.Equal(t, server.FinishResult{Created: true}, fr[0])
	assert.Equal(t, "complete", storedNote(t, s, 1))
	p, err := s.GetProject(context.Background(), stageProject)
	require.NoError(t, err, "the record registers its project")
	assert.Equal(t, "staging", p.Name)

	assert.Equal(t, server.FinishResult{}, finish(t, s, assembled(1, "again", false))[0], "a done run is not stored again")
	assert.Equal(t, "complete", storedNote(t, s, 1))
	res = stage(t, s, at(1), staged(1, boundarySpan(1, 2), taskSpan(1, 1)))
	assert.Equal(t, 0, res.Staged, "a done run takes no span")
	assert.Empty(t, res.Ready)
}

func testFinishWholeRun(t *testing.T, s server.Store) {
	fr := finish(t, s, assembled(1, "whole", false), assembled(2, "whole", false))
	assert.Equal(t, []server.FinishResult{{Created: true}, {Created: true}}, fr)
	fr = finish(t, s, assembled(1, "again", false))
	assert.Equal(t, server.FinishResult{}, fr[0], "the record is stored already")
	assert.Equal(t, "whole", storedNote(t, s, 1))

	bad := assembled(3, "x", false)
	bad.Entry.Log.UUID = ""
	fr = finish(t, s, bad, assembled(4, "good", false))
	assert.ErrorIs(t, fr[0].Err, server.ErrInvalid)
	assert.True(t, fr[1].Created, "an invalid entry does not stop the others")
}

func testIncompleteCompleted(t *testing.T, s server.Store) {
	stage(t, s, at(0), staged(1, taskSpan(1, 2), boundarySpan(1, 1)))
	sw, err := s.SweepRuns(context.Background(), server.SweepRequest{Now: at(10), ClaimUntil: at(20),
		IncompleteBefore: at(5), DropBefore: at(-100)})
	require.NoError(t, err)
	require.Len(t, sw.Runs, 1, "the run waited past IncompleteBefore")
	assert.ElementsMatch(t, []string{"task-1", "boundary-1-1"}, spanData(sw.Runs[0]))
	assert.Equal(t, server.FinishResult{Created: true}, finish(t, s, assembled(1, "incomplete", true))[0])
	assert.Equal(t, "incomplete", storedNote(t, s, 1))

	sw, err = s.SweepRuns(context.Background(), server.SweepRequest{Now: at(30), ClaimUntil: at(40),
		IncompleteBefore: at(25), DropBefore: at(-100)})
	require.NoError(t, err)
	assert.Empty(t, sw.Runs, "a run stored incomplete is not swept again")

	res := stage(t, s, at(31), staged(1, boundarySpan(1, 2)))
	require.Len(t, res.Ready, 1, "the late span completes the run")
	assert.ElementsMatch(t, []string{"task-1", "boundary-1-1", "boundary-1-2"}, spanData(res.Ready[0]))
	assert.Equal(t, server.FinishResult{Replaced: true}, finish(t, s, assembled(1, "complete", false))[0])
	assert.Equal(t, "complete", storedNote(t, s, 1))
	assert.Equal(t, server.FinishResult{}, finish(t, s, assembled(1, "incomplete again", true))[0])
	assert.Equal(t, "complete", storedNote(t, s, 1), "never the reverse")
}

func testIncompleteNeverReplaces(t *testing.T, s server.Store) {
	stage(t, s, at(0), staged(1, taskSpan(1, 2)))
	finish(t, s, assembled(1, "posted", false)) // the complete record, as an ingest would store it
	assert.Equal(t, server.FinishResult{}, finish(t, s, assembled(1, "incomplete", true))[0])
	assert.Equal(t, "posted", storedNote(t, s, 1))

	ingestOne(t, s, assembled(2, "ingested", false).Entry)
	stage(t, s, at(0), staged(2, taskSpan(2, 1)))
	fr := finish(t, s, assembled(2, "incomplete", true))
	assert.Equal(t, server.FinishResult{}, fr[0], "a stored record is kept")
	assert.Equal(t, "ingested", storedNote(t, s, 2))
}

func testRefusedRun(t *testing.T, s server.Store) {
	res := stage(t, s, at(0), staged(1, taskSpan(1, 0)))
	require.Len(t, res.Ready, 1)
	fr := finish(t, s, server.AssembledRun{Key: runKey(1), Refused: true})
	assert.Equal(t, server.FinishResult{}, fr[0])
	_, err := s.GetLog(context.Background(), server.LogKey{ProjectUUID: stageProject, TaskName: "staged-task", UUID: runKey(1).RunUUID})
	assert.ErrorIs(t, err, server.ErrNotStored)
	sw, err := s.SweepRuns(context.Background(), server.SweepRequest{Now: at(1 << 20), ClaimUntil: at(1<<20 + 1),
		IncompleteBefore: at(1 << 20), DropBefore: at(-100)})
	require.NoError(t, err)
	assert.Empty(t, sw.Runs, "a refused run is done")
}

func testSweepExpiredClaims(t *testing.T, s server.Store) {
	res, err := s.StageSpans(context.Background(), []server.StagedRun{staged(1, taskSpan(1, 1), boundarySpan(1, 1))}, at(0), at(100))
	require.NoError(t, err)
	require.Len(t, res.Ready, 1, "claimed until at(100)")
	sweep := func(now time.Time) server.SweepResult {
		sw, err := s.SweepRuns(context.Background(), server.SweepRequest{Now: now, ClaimUntil: now.Add(time.Second),
			IncompleteBefore: at(-100), DropBefore: at(-100)})
		require.NoError(t, err)
		return sw
	}
	assert.Empty(t, sweep(at(50)).Runs, "the claim holds")
	sw := sweep(at(101))
	require.Len(t, sw.Runs, 1, "a complete run whose claim expired is swept")
	assert.Len(t, sw.Runs[0].Spans, 2)
	assert.Empty(t, sweep(at(102)).Runs, "the sweep claimed it")
	finish(t, s, assembled(1, "swept", false))
	assert.Empty(t, sweep(at(1<<30)).Runs)
}

func testSweepDropsOrphans(t *testing.T, s server.Store) {
	stage(t, s, at(0), staged(1, boundarySpan(1, 1), boundarySpan(1, 2)))
	stage(t, s, at(0), staged(2, taskSpan(2, 1), boundarySpan(2, 1)))
	finish(t, s, assembled(2, "done", false))
	stage(t, s, at(10), staged(3, boundarySpan(3, 1)))

	sw, err := s.SweepRuns(context.Background(), server.SweepRequest{Now: at(20), ClaimUntil: at(30),
		IncompleteBefore: at(20), DropBefore: at(5)})
	require.NoError(t, err)
	assert.Empty(t, sw.Runs)
	assert.Equal(t, 2, sw.DroppedSpans, "run 1's boundary spans, staged before DropBefore")
	assert.Equal(t, 2, sw.DroppedRuns, "run 1, and the mark of run 2")

	res := stage(t, s, at(21), staged(1, taskSpan(1, 2)))
	assert.Equal(t, 1, res.Staged)
	assert.Empty(t, res.Ready, "run 1's dropped spans are gone")
	res = stage(t, s, at(21), staged(3, taskSpan(3, 1)))
	require.Len(t, res.Ready, 1, "run 3 was staged after DropBefore")
}

func testConcurrentStaging(t *testing.T, s server.Store) {
	const runs = 40
	var mu sync.Mutex
	ready := map[server.RunKey]int{}
	var wg sync.WaitGroup
	for half := range 2 {
		wg.Go(func() {
			for i := range runs {
				var spans []server.StagedSpan
				if half == 0 {
					spans = []server.StagedSpan{taskSpan(i, 3), boundarySpan(i, 1)}
				} else {
					spans = []server.StagedSpan{boundarySpan(i, 2), boundarySpan(i, 3)}
				}
				res, err := s.StageSpans(context.Background(), []server.StagedRun{staged(i, spans...)}, at(i), at(i).Add(time.Hour))
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				for _, r := range res.Ready {
					ready[r.Key]++
					assert.Len(t, r.Spans, 4)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, ready, runs)
	for k, n := range ready {
		assert.Equal(t, 1, n, "run %s is ready once", k.RunUUID)
	}
}
