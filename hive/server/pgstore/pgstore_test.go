package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore"
	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(pgtest.StopSharedAfter(m)) }

// open opens a store on dsn, closed when the test ends.
func open(t testing.TB, dsn string, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), dsn, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// newDatabase returns the DSN of an empty database of the test's own.
func newDatabase(t testing.TB) string {
	t.Helper()
	srv := pgtest.Shared(t)
	if srv == nil {
		t.SkipNow()
	}
	return srv.NewDatabase(t)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) server.Store {
		s, err := pgstore.Open(context.Background(), newDatabase(t))
		require.NoError(t, err)
		return s // Run closes it
	})
}

func entry(projectUUID, taskName, id string, record string, createdAt time.Time) server.IngestEntry {
	return server.IngestEntry{
		Log:         server.StoredLog{ProjectUUID: projectUUID, TaskName: taskName, UUID: id, Record: json.RawMessage(record), CreatedAt: createdAt},
		ProjectName: "project " + projectUUID,
		TaskUUID:    "task-" + taskName,
	}
}

func TestRecordsKeepTheirBytesAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	// Key order, spacing and escapes as sent: a JSON column would change
	// all three.
	const record = `{ "z": 1,  "a": {"y":2,"b":[ 1, 2 ]}, "s": "\u00e9\n", "dup": 1, "dup": 2 }`
	created := time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

	s, err := pgstore.Open(ctx, dsn)
	require.NoError(t, err)
	res, err := s.Ingest(ctx, []server.IngestEntry{entry("p1", "alpha", "r1", record, created)})
	require.NoError(t, err)
	require.True(t, res[0].Created)
	require.NoError(t, s.SetQuality(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "r1"}, json.RawMessage(`{"b":1, "a":2}`)))
	require.NoError(t, s.Close())

	s = open(t, dsn)
	got, err := s.GetLog(ctx, server.LogKey{TaskName: "alpha", UUID: "r1"})
	require.NoError(t, err)
	assert.Equal(t, record, string(got.Record), "the record is stored byte for byte")
	assert.Equal(t, `{"b":1, "a":2}`, string(got.Quality))
	assert.True(t, got.CreatedAt.Equal(created), "created at keeps its nanoseconds: %v", got.CreatedAt)
	assert.Equal(t, "project p1", got.ProjectName)
	assert.Equal(t, "task-alpha", got.TaskUUID)

	tasks, err := s.ListTasks(ctx, "p1")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	assert.Equal(t, "alpha", tasks[0].Name)
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := newDatabase(t)
	const opens = 6
	stores := make([]*pgstore.Store, opens)
	errs := make([]error, opens)
	var wg sync.WaitGroup
	for i := range opens {
		wg.Go(func() { stores[i], errs[i] = pgstore.Open(context.Background(), dsn, pgstore.WithMaxConns(2)) })
	}
	wg.Wait()
	for i := range opens {
		require.NoError(t, errs[i], "open %d", i)
		require.NoError(t, stores[i].Close())
	}

	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var rows, version int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &version))
	assert.Equal(t, 1, rows, "one schema_version row")
	assert.Positive(t, version)

	// Opening the migrated database again changes nothing.
	s := open(t, dsn)
	_, err = s.Ingest(context.Background(), []server.IngestEntry{entry("p1", "alpha", "r1", `{}`, time.Time{})})
	require.NoError(t, err)
}

// TestTwoReplicasIngest has two stores (two pools, as two servers) on one
// database ingest overlapping batches from several goroutines each: every
// record is created once, every project and task registered once.
func TestTwoReplicasIngest(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	replicas := []*pgstore.Store{open(t, dsn, pgstore.WithMaxConns(4)), open(t, dsn, pgstore.WithMaxConns(4))}
	const (
		workers = 4
		records = 60
	)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	created := map[string]int{}
	taskUUIDs := map[string]map[string]bool{}
	var wg sync.WaitGroup
	for _, s := range replicas {
		for w := range workers {
			wg.Go(func() {
				// Each worker sends every record, three to a batch, from an
				// offset of its own.
				for j := range records {
					i := (j + w*17) % records
					batch := make([]server.IngestEntry, 0, 3)
					for k := range 3 {
						n := (i + k) % records
						batch = append(batch, entry(fmt.Sprintf("p%d", n%3), fmt.Sprintf("task%d", n%4), fmt.Sprintf("r%d", n), fmt.Sprintf(`{"n":%d}`, n), base.Add(time.Duration(n)*time.Millisecond)))
					}
					res, err := s.Ingest(ctx, batch)
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					for _, r := range res {
						assert.NoError(t, r.Err)
						if r.Created {
							created[r.Entry.ProjectUUID+"/"+r.Entry.UUID]++
						}
						k := r.Entry.ProjectUUID + "/" + r.Entry.TaskName
						if taskUUIDs[k] == nil {
							taskUUIDs[k] = map[string]bool{}
						}
						taskUUIDs[k][r.Entry.TaskUUID] = true
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	assert.Len(t, created, records)
	for k, n := range created {
		assert.Equal(t, 1, n, "record %s created once", k)
	}
	for k, ids := range taskUUIDs {
		assert.Len(t, ids, 1, "task %s has one uuid", k)
	}
	for p := range 3 {
		tasks, err := replicas[0].ListTasks(ctx, fmt.Sprintf("p%d", p))
		require.NoError(t, err)
		assert.Len(t, tasks, 4, "project p%d: each task registered once", p)
	}
	logs, err := replicas[1].ListLogs(ctx, server.LogQuery{ProjectUUID: "p0", TaskName: "task0"})
	require.NoError(t, err)
	assert.Len(t, logs, 5) // r0, r12, r24, r36, r48
}

func span(run, j int, task bool, want int64) server.StagedSpan {
	var id [8]byte
	id[0], id[1], id[7] = byte(run), byte(j), 1
	return server.StagedSpan{SpanID: id, Task: task, Want: want, Data: fmt.Appendf(nil, "span %d/%d", run, j)}
}

// TestTwoReplicasStaging has two stores on one database stage the spans of
// the same runs, split between them, at the same time, then sweep: each run
// is claimed by one of them, and its record is stored once.
func TestTwoReplicasStaging(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	replicas := []*pgstore.Store{open(t, dsn, pgstore.WithMaxConns(4)), open(t, dsn, pgstore.WithMaxConns(4))}
	const runs = 40
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	ready := map[server.RunKey]int{}
	stored := map[server.RunKey]int{}
	var wg sync.WaitGroup
	for r, s := range replicas {
		for half := range 2 {
			wg.Go(func() {
				for i := range runs {
					// Each replica stages half of the spans of every run,
					// in two calls; a redelivery overlaps the other half.
					var spans []server.StagedSpan
					switch 2*r + half {
					case 0:
						spans = []server.StagedSpan{span(i, 0, true, 4), span(i, 1, false, -1)}
					case 1:
						spans = []server.StagedSpan{span(i, 2, false, -1), span(i, 1, false, -1)}
					case 2:
						spans = []server.StagedSpan{span(i, 3, false, -1)}
					default:
						spans = []server.StagedSpan{span(i, 4, false, -1), span(i, 0, true, 4)}
					}
					key := server.RunKey{ProjectUUID: fmt.Sprintf("p%d", i%2), RunUUID: fmt.Sprintf("run%d", i)}
					res, err := s.StageSpans(ctx, []server.StagedRun{{Key: key, ProjectName: "staged", Spans: spans}}, now, now.Add(time.Hour))
					if !assert.NoError(t, err) {
						return
					}
					for _, run := range res.Ready {
						assert.Len(t, run.Spans, 5)
						e := entry(run.Key.ProjectUUID, "staged", run.Key.RunUUID, `{"run":true}`, now)
						fin, err := s.FinishRuns(ctx, []server.AssembledRun{{Key: run.Key, Entry: e}})
						if !assert.NoError(t, err) {
							return
						}
						mu.Lock()
						ready[run.Key]++
						if fin[0].Created {
							stored[run.Key]++
						}
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	assert.Len(t, ready, runs)
	for k, n := range ready {
		assert.Equal(t, 1, n, "run %s claimed once", k.RunUUID)
		assert.Equal(t, 1, stored[k], "run %s stored once", k.RunUUID)
	}

	// A late redelivery to either replica stages nothing: the runs are done.
	for _, s := range replicas {
		res, err := s.StageSpans(ctx, []server.StagedRun{{Key: server.RunKey{ProjectUUID: "p0", RunUUID: "run0"}, Spans: []server.StagedSpan{span(0, 9, false, -1)}}}, now, now.Add(time.Hour))
		require.NoError(t, err)
		assert.Zero(t, res.Staged)
	}
	sw, err := replicas[1].SweepRuns(ctx, server.SweepRequest{Now: now.Add(2 * time.Hour), ClaimUntil: now.Add(3 * time.Hour), IncompleteBefore: now.Add(2 * time.Hour), DropBefore: now.Add(time.Second)})
	require.NoError(t, err)
	assert.Empty(t, sw.Runs, "nothing left to assemble")
	assert.Equal(t, runs, sw.DroppedRuns, "the marks of the done runs are forgotten")
}

// TestSweepClaimsOnce has two replicas sweep the same expired runs at the
// same time: each run goes to one of them.
func TestSweepClaimsOnce(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	replicas := []*pgstore.Store{open(t, dsn), open(t, dsn)}
	const runs = 30
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range runs {
		key := server.RunKey{ProjectUUID: "p", RunUUID: fmt.Sprintf("run%d", i)}
		// Task-run spans that do not say how many boundaries: the runs
		// wait for the sweep.
		_, err := replicas[0].StageSpans(ctx, []server.StagedRun{{Key: key, Spans: []server.StagedSpan{span(i, 0, true, -1)}}}, now, now.Add(time.Minute))
		require.NoError(t, err)
	}
	later := now.Add(time.Hour)
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for _, s := range replicas {
		for range 3 {
			wg.Go(func() {
				res, err := s.SweepRuns(ctx, server.SweepRequest{Now: later, ClaimUntil: later.Add(time.Minute), IncompleteBefore: later, DropBefore: now, Limit: 7})
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				for _, r := range res.Runs {
					claimed[r.Key.RunUUID]++
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	for id, n := range claimed {
		assert.Equal(t, 1, n, "run %s claimed once", id)
	}
	assert.NotEmpty(t, claimed)
}

// TestTaskRegisteredOnceByEnsureTaskAndIngest has replicas register one task
// at the same time through EnsureTask and through Ingest: it is registered
// once, and every call sees it under one uuid.
func TestTaskRegisteredOnceByEnsureTaskAndIngest(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	replicas := []*pgstore.Store{open(t, dsn), open(t, dsn)}
	for round := range 5 {
		projectUUID := fmt.Sprintf("p%d", round)
		_, _, err := replicas[0].EnsureProject(ctx, server.Project{UUID: projectUUID, Name: "p"})
		require.NoError(t, err)
		var mu sync.Mutex
		uuids := map[string]bool{}
		created := 0
		var wg sync.WaitGroup
		for i := range 8 {
			s := replicas[i%2]
			wg.Go(func() {
				var id string
				if i%4 < 2 {
					tk, ok, err := s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: projectUUID, Name: "shared", UUID: fmt.Sprintf("e%d", i)})
					if !assert.NoError(t, err) {
						return
					}
					id = tk.UUID
					if ok {
						mu.Lock()
						created++
						mu.Unlock()
					}
				} else {
					e := entry(projectUUID, "shared", fmt.Sprintf("r%d", i), `{}`, time.Time{})
					e.TaskUUID = fmt.Sprintf("i%d", i)
					res, err := s.Ingest(ctx, []server.IngestEntry{e})
					if !assert.NoError(t, err) {
						return
					}
					id = res[0].Entry.TaskUUID
				}
				mu.Lock()
				uuids[id] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.LessOrEqual(t, created, 1, "round %d: EnsureTask creates the task at most once", round)
		assert.Len(t, uuids, 1, "round %d: one uuid for the task", round)
		tasks, err := replicas[1].ListTasks(ctx, projectUUID)
		require.NoError(t, err)
		assert.Len(t, tasks, 1)
	}
}

// TestStagedSpansSurviveRestart stages part of a run, closes the store and
// stages the rest on a store opened again: the run completes with every
// span, in staging order.
func TestStagedSpansSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	key := server.RunKey{ProjectUUID: "p", RunUUID: "run"}

	s, err := pgstore.Open(ctx, dsn)
	require.NoError(t, err)
	res, err := s.StageSpans(ctx, []server.StagedRun{{Key: key, ProjectName: "staged", Spans: []server.StagedSpan{span(1, 1, false, -1), span(1, 0, true, 2)}}}, now, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, res.Staged)
	assert.Empty(t, res.Ready)
	require.NoError(t, s.Close())

	s = open(t, dsn)
	res, err = s.StageSpans(ctx, []server.StagedRun{{Key: key, ProjectName: "staged", Spans: []server.StagedSpan{span(1, 2, false, -1)}}}, now.Add(time.Second), now.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, res.Ready, 1)
	var data []string
	for _, sp := range res.Ready[0].Spans {
		data = append(data, string(sp.Data))
	}
	assert.Equal(t, []string{"span 1/1", "span 1/0", "span 1/2"}, data)
	assert.Equal(t, "staged", res.Ready[0].ProjectName)
}

func TestOpenFailures(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Shared(t)
	if srv == nil {
		t.SkipNow()
	}

	_, err := pgstore.Open(ctx, srv.DSN("no_such_database"))
	require.Error(t, err, "a database that does not exist")
	assert.Contains(t, err.Error(), "no_such_database")
	assert.NotContains(t, err.Error(), "pgstore", "no package names in what users read")

	_, err = pgstore.Open(ctx, "postgres://%zz")
	require.Error(t, err, "a DSN that does not parse")
	assert.Contains(t, err.Error(), "parse database connection string")

	// A schema newer than this program's is refused, and left unchanged.
	dsn := srv.NewDatabase(t)
	s, err := pgstore.Open(ctx, dsn)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, `UPDATE schema_version SET version = 1000`)
	require.NoError(t, err)
	_, err = pgstore.Open(ctx, dsn)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer than this program supports")
	var version int
	require.NoError(t, conn.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version))
	assert.Equal(t, 1000, version)
}

// TestDatabaseCrash has the PostgreSQL server crash and recover under an
// open store: the committed records are there, and the store works again
// once the server is back, its pool replacing the broken connections.
func TestDatabaseCrash(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t, pgtest.Durable())
	if srv == nil {
		t.SkipNow()
	}
	s := open(t, srv.NewDatabase(t), pgstore.WithMaxConns(2))
	created := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	_, err := s.Ingest(ctx, []server.IngestEntry{entry("p1", "alpha", "before", `{"n":1}`, created)})
	require.NoError(t, err)

	srv.Kill(t)
	_, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "before"})
	require.Error(t, err, "the server is down")
	srv.Start(t)

	// The first call may still meet a connection that the crash broke.
	require.Eventually(t, func() bool {
		_, err := s.Ingest(ctx, []server.IngestEntry{entry("p1", "alpha", "after", `{"n":2}`, created.Add(time.Second))})
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)
	logs, err := s.ListLogs(ctx, server.LogQuery{ProjectUUID: "p1", TaskName: "alpha"})
	require.NoError(t, err)
	require.Len(t, logs, 2)
	assert.Equal(t, "after", logs[0].UUID)
	assert.Equal(t, `{"n":1}`, string(logs[1].Record), "the record committed before the crash survives")
}
