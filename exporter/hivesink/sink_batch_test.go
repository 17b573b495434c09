package hivesink_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// splitErrors returns the DeliveryErrors in err: the one whose Err wraps
// exporter.ErrRejected and the other, nil when absent. It fails the test on
// anything else.
func splitErrors(t *testing.T, err error) (rejected, failed *exporter.DeliveryError) {
	t.Helper()
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	for _, e := range all {
		d, ok := e.(*exporter.DeliveryError)
		require.True(t, ok, "not a DeliveryError: %T %v", e, e)
		if errors.Is(d.Err, exporter.ErrRejected) {
			require.Nil(t, rejected, "one DeliveryError per kind")
			rejected = d
		} else {
			require.Nil(t, failed, "one DeliveryError per kind")
			failed = d
		}
	}
	return rejected, failed
}

func uuidsOf(recs []*otelrecord.ExecutionRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.UUID
	}
	slices.Sort(out)
	return out
}

func records(n int, prefix string) []*otelrecord.ExecutionRecord {
	out := make([]*otelrecord.ExecutionRecord, n)
	for i := range out {
		out[i] = record(fmt.Sprintf("%s-%02d", prefix, i), "t")
	}
	return out
}

func TestDeliverSendsBatches(t *testing.T) {
	f, srv := newFakeHive(t)
	reader, mp := meter(t)
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithBatchRecords(3), hivesink.WithBatchRecords(-1), hivesink.WithMeterProvider(mp))

	recs := records(7, "r")
	recs = append(recs, nil, record("", "t"))
	require.NoError(t, s.Deliver(ctxT(t), recs...))
	sizes := f.batches()
	slices.Sort(sizes)
	assert.Equal(t, []int{2, 3, 3}, sizes, "batches of at most 3 records")
	assert.Zero(t, f.requestsTo("/api/log-ingest"), "no single request")
	assert.Len(t, f.records(), 8)
	assert.Equal(t, map[string]int64{hivesink.DeliveredCounter: 8}, counters(t, reader))
}

func TestDeliverSplitsBatchesByBytes(t *testing.T) {
	f, srv := newFakeHive(t)
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithBatchBytes(3000), hivesink.WithBatchBytes(0))
	recs := records(10, "r")
	big := record("big", "t")
	big.Input = jsonString(5000)
	recs = append(recs, big)

	require.NoError(t, s.Deliver(ctxT(t), recs...))
	sizes := f.batches()
	assert.Greater(t, len(sizes), 2, "several batches")
	assert.Contains(t, sizes, 1, "the record larger than the limit goes alone")
	total := 0
	for _, n := range sizes {
		total += n
	}
	assert.Equal(t, 11, total)
	assert.Len(t, f.records(), 11)
}

func TestDeliverBatchPartialFailures(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, rec *otelrecord.ExecutionRecord, _ int) bool {
		switch rec.TaskName {
		case "bad":
			writeError(w, http.StatusUnprocessableEntity, "invalid record")
		case "down":
			writeError(w, http.StatusServiceUnavailable, "down")
		default:
			return false
		}
		return true
	})
	d := &delays{}
	reader, mp := meter(t)
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait), hivesink.WithMeterProvider(mp))
	recs := []*otelrecord.ExecutionRecord{
		record("ok-1", "good"), record("bad-1", "bad"), record("down-1", "down"),
		record("ok-2", "good"), record("", "down"), record("bad-2", "bad"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for f.attemptsFor("down-1") < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()

	err := s.Deliver(ctx, recs...)
	rejected, failed := splitErrors(t, err)
	require.NotNil(t, rejected)
	assert.Equal(t, 2, rejected.Failed)
	assert.Nil(t, rejected.Records, "rejected records are not handed back")
	require.NotNil(t, failed)
	assert.Equal(t, 2, failed.Failed)
	require.Len(t, failed.Records, 2, "exactly the records a later attempt may deliver")
	assert.Contains(t, uuidsOf(failed.Records), "down-1")
	assert.NotContains(t, uuidsOf(failed.Records), "", "a record handed back keeps the uuid it was sent under")
	assert.NotErrorIs(t, failed.Err, exporter.ErrRejected)
	assert.ErrorIs(t, failed.Err, context.Canceled)
	assert.Empty(t, recs[4].UUID, "the caller's record is not modified")

	assert.Len(t, f.records(), 2, "the good records were stored")
	assert.Equal(t, 1, f.attemptsFor("bad-1"), "a rejected item is not sent again")
	assert.Equal(t, 1, f.attemptsFor("ok-1"), "a stored item is not sent again")
	assert.GreaterOrEqual(t, f.attemptsFor("down-1"), 3)
	assert.Zero(t, f.requestsTo("/api/log-ingest"))
	got := counters(t, reader)
	assert.Equal(t, int64(2), got[hivesink.DeliveredCounter])
	assert.GreaterOrEqual(t, got[hivesink.RetriesCounter], int64(4), "each retried record counts")

	// The handed-back records go again once the server is back, under the
	// same uuids.
	f.setAnswer(nil)
	require.NoError(t, s.Deliver(ctxT(t), failed.Records...))
	assert.Subset(t, uuidsOf(f.records()), uuidsOf(failed.Records))
}

func TestDeliverFallsBackToSinglesAfterOne404(t *testing.T) {
	f, srv := newFakeHive(t)
	f.withoutBatchRoute()
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithBatchRecords(2), hivesink.WithConcurrency(3))

	require.NoError(t, s.Deliver(ctxT(t), records(7, "a")...))
	assert.Equal(t, 1, f.requestsTo(batchPath), "one batch attempt finds the route missing")
	assert.Equal(t, 7, f.requestsTo("/api/log-ingest"))
	require.NoError(t, s.Deliver(ctxT(t), records(3, "b")...))
	assert.Equal(t, 1, f.requestsTo(batchPath), "no second batch attempt")
	assert.Equal(t, 10, f.requestsTo("/api/log-ingest"))
	assert.Len(t, f.records(), 10)
	assert.LessOrEqual(t, f.maxInFlight(), 3)
}

func TestDeliverProbesTheRouteOneRequestAtATime(t *testing.T) {
	f, srv := newFakeHive(t)
	f.withoutBatchRoute()
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithBatchRecords(1), hivesink.WithConcurrency(4))
	done := make(chan error, 3)
	for i := range 3 {
		go func() { done <- s.Deliver(ctxT(t), records(4, fmt.Sprint(i))...) }()
	}
	for range 3 {
		require.NoError(t, <-done)
	}
	assert.Equal(t, 1, f.requestsTo(batchPath), "concurrent Deliver calls wait for the first answer")
	assert.Len(t, f.records(), 12)
}

func TestDeliverBatchWaitsOnceForItsRetries(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswer(func(w http.ResponseWriter, _ *http.Request, _ *otelrecord.ExecutionRecord, attempt int) bool {
		if attempt > 1 {
			return false
		}
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusTooManyRequests, "slow down")
		return true
	})
	d := &delays{}
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait))
	require.NoError(t, s.Deliver(ctxT(t), records(3, "r")...))
	assert.Equal(t, []time.Duration{2 * time.Second}, d.list(), "one wait for the batch, the server's delay")
	assert.Equal(t, []int{3, 3}, f.batches(), "the failed items go again together")
	assert.Len(t, f.records(), 3)
}

func TestDeliverBatchRetriesWholeRequestFailures(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswerBatch(func(w http.ResponseWriter, n int) bool {
		switch n {
		case 1:
			writeError(w, http.StatusBadGateway, "bad gateway")
		case 2:
			writeError(w, http.StatusRequestTimeout, "slow body")
		default:
			return false
		}
		return true
	})
	d := &delays{}
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait))
	require.NoError(t, s.Deliver(ctxT(t), records(4, "r")...))
	assert.Equal(t, []int{4, 4, 4}, f.batches())
	assert.Len(t, d.list(), 2)
	assert.Len(t, f.records(), 4)

	f.setAnswerBatch(func(w http.ResponseWriter, _ int) bool {
		writeError(w, http.StatusForbidden, "no")
		return true
	})
	err := s.Deliver(ctxT(t), records(2, "x")...)
	rejected, failed := splitErrors(t, err)
	assert.Nil(t, failed)
	require.NotNil(t, rejected)
	assert.Equal(t, 2, rejected.Failed, "a refused batch rejects its records")
	assert.Len(t, d.list(), 2, "not retried")
}

func TestDeliverReturnsPromptlyWithRecordsWhenCancelled(t *testing.T) {
	for name, batches := range map[string]bool{"batches": true, "singles": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			if !batches {
				f.withoutBatchRoute()
			}
			arrived := make(chan struct{}, 10)
			f.setAnswer(func(w http.ResponseWriter, r *http.Request, _ *otelrecord.ExecutionRecord, _ int) bool {
				arrived <- struct{}{}
				<-r.Context().Done() // hang until the client gives up
				return true
			})
			s := hivesink.New(newClient(t, srv.URL), hivesink.WithConcurrency(2), hivesink.WithBatchRecords(2))
			ctx, cancel := context.WithCancel(context.Background())
			recs := append(records(4, "u"), record("", "t"))
			done := make(chan error, 1)
			go func() { done <- s.Deliver(ctx, recs...) }()
			<-arrived
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				assert.Less(t, time.Since(start), 2*time.Second)
				require.ErrorIs(t, err, context.Canceled)
				rejected, failed := splitErrors(t, err)
				assert.Nil(t, rejected)
				require.NotNil(t, failed)
				assert.Equal(t, 5, failed.Failed, "every record counted, sent or not")
				require.Len(t, failed.Records, 5, "and handed back")
				assert.Equal(t, []string{"u-00", "u-01", "u-02", "u-03"}, uuidsOf(failed.Records)[1:])
				assert.NotEmpty(t, uuidsOf(failed.Records)[0], "the record without uuid got one")
			case <-time.After(5 * time.Second):
				t.Fatal("Deliver did not return after its ctx was cancelled")
			}
		})
	}
}

func TestDeliverRejectsWhatTheClientCannotSend(t *testing.T) {
	f, srv := newFakeHive(t)
	s := hivesink.New(newClient(t, srv.URL))
	noTask := record("no-task", "")
	err := s.Deliver(ctxT(t), record("ok", "t"), noTask)
	rejected, failed := splitErrors(t, err)
	assert.Nil(t, failed)
	require.NotNil(t, rejected)
	assert.Equal(t, 1, rejected.Failed)
	assert.Contains(t, rejected.Error(), "no task name")
	assert.Len(t, f.records(), 1)
}

func TestDeliverFallsBackWhenTheRouteGoesAway(t *testing.T) {
	f, srv := newFakeHive(t)
	s := hivesink.New(newClient(t, srv.URL))
	require.NoError(t, s.Deliver(ctxT(t), records(2, "a")...))
	assert.Equal(t, 1, f.requestsTo(batchPath))

	f.withoutBatchRoute() // the server was replaced by one without the route
	require.NoError(t, s.Deliver(ctxT(t), records(2, "b")...))
	require.NoError(t, s.Deliver(ctxT(t), records(2, "c")...))
	assert.Equal(t, 2, f.requestsTo(batchPath), "one more batch attempt, then single records")
	assert.Equal(t, 4, f.requestsTo("/api/log-ingest"))
	assert.Len(t, f.records(), 6)
}

func TestDeliverProbesAgainAfterAFailedProbe(t *testing.T) {
	f, srv := newFakeHive(t)
	f.setAnswerBatch(func(w http.ResponseWriter, n int) bool {
		if n > 1 {
			return false
		}
		writeError(w, http.StatusServiceUnavailable, "starting")
		return true
	})
	d := &delays{}
	s := hivesink.New(newClient(t, srv.URL), hivesink.WithWait(d.wait))
	require.NoError(t, s.Deliver(ctxT(t), records(3, "a")...))
	assert.Equal(t, []int{3, 3}, f.batches(), "a failed first batch says nothing of the route")
	assert.Zero(t, f.requestsTo("/api/log-ingest"))
}
