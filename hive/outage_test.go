package hive

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// restartableServer serves a handler on one fixed loopback address that can
// be stopped and started again, like a Hive server being restarted.
type restartableServer struct {
	t       *testing.T
	addr    string
	handler http.Handler
	srv     *http.Server
	done    chan struct{}
}

func newRestartableServer(t *testing.T, h http.Handler) *restartableServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &restartableServer{t: t, addr: ln.Addr().String(), handler: h}
	r.serve(ln)
	t.Cleanup(r.stop)
	return r
}

func (r *restartableServer) url() string { return "http://" + r.addr }

func (r *restartableServer) serve(ln net.Listener) {
	r.srv = &http.Server{Handler: r.handler, ReadHeaderTimeout: 5 * time.Second}
	r.done = make(chan struct{})
	srv, done := r.srv, r.done
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.t.Errorf("serve: %v", err)
		}
	}()
}

// stop closes the listener and every connection.
func (r *restartableServer) stop() {
	if r.srv == nil {
		return
	}
	_ = r.srv.Close()
	<-r.done
	r.srv = nil
}

// start listens on the same address again.
func (r *restartableServer) start() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port is ours, but the kernel may need a moment
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(r.t, err, "listen again on %s", r.addr)
	r.serve(ln)
}

func TestListenerQueueOutageLosesNothing(t *testing.T) {
	f := newFakeHive()
	server := newRestartableServer(t, f)
	c := newTestLogClient(t, server.url())
	s := newTestQueue(t, c, WithBackoff(5*time.Millisecond, 50*time.Millisecond), WithMaxElapsed(2*time.Minute),
		WithQueueSize(1000), withBatchSize(8))
	ctx := ctxT(t)

	var ids []string
	deliver := func(n int) {
		for i := range n {
			rec := sampleRecord("")
			if i%5 != 0 { // every fifth record gets its uuid from the sink
				rec.UUID = uuid.Must(uuid.NewV7()).String()
				ids = append(ids, rec.UUID)
			}
			require.NoError(t, s.Deliver(rec))
		}
	}

	// Before the outage.
	deliver(10)
	require.NoError(t, s.ForceFlush(ctx))
	require.Len(t, f.stored(), 10)

	// The server goes away; records keep coming.
	server.stop()
	deliver(30)
	require.Eventually(t, func() bool { return s.Stats().Retries >= 3 }, 20*time.Second, 5*time.Millisecond,
		"the sink keeps retrying while the server is down")
	st := s.Stats()
	assert.Equal(t, uint64(10), st.Delivered)
	assert.Equal(t, uint64(30), st.Queued)
	deliver(10)

	// The server comes back on the same address.
	server.start()
	require.NoError(t, s.ForceFlush(ctx))

	stored := f.stored()
	assert.Len(t, stored, 50, "none lost")
	for _, id := range ids {
		require.Contains(t, stored, id)
		assert.Equal(t, 1, f.attemptsFor(id), "record %s accepted exactly once", id)
	}
	for id := range stored {
		assert.Equal(t, 1, f.attemptsFor(id), "none duplicated: %s", id)
	}
	st = s.Stats()
	assert.Equal(t, uint64(50), st.Delivered)
	assert.Zero(t, st.Dropped)
	assert.Zero(t, st.Failed)
	assert.Zero(t, st.Queued)
	require.NoError(t, s.Shutdown(ctx))
}

// TestListenerQueueLostResponseIsIdempotent: the server stores a record but the answer
// never reaches the client; the retry carries the same uuid, so the server
// keeps one copy.
func TestListenerQueueLostResponseIsIdempotent(t *testing.T) {
	f := newFakeHive()
	var mu sync.Mutex
	cut := map[string]bool{}
	f.setOverride(func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		// Let the fake store the record, then drop the connection instead of
		// answering, once per record.
		rw := &recordingWriter{header: http.Header{}}
		f.ingestUnlocked(rw, body)
		mu.Lock()
		first := !cut[rw.uuid]
		cut[rw.uuid] = true
		mu.Unlock()
		if first {
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return true
		}
		w.WriteHeader(rw.status)
		_, _ = w.Write(rw.body)
		return true
	})
	c := newTestLogClient(t, f.start(t).URL)
	s := newTestQueue(t, c)

	for range 5 {
		require.NoError(t, s.Deliver(sampleRecord("")))
	}
	require.NoError(t, s.ForceFlush(ctxT(t)))

	stored := f.stored()
	assert.Len(t, stored, 5)
	for id := range stored {
		assert.Equal(t, 2, f.ingestRequestsFor(id), "sent twice")
		assert.Equal(t, 2, f.attemptsFor(id), "received twice, stored once")
	}
	assert.Equal(t, ListenerStats{Delivered: 5, Retries: 5}, s.Stats())
}

// recordingWriter keeps an answer in memory.
type recordingWriter struct {
	header http.Header
	status int
	body   []byte
	uuid   string
}

func (w *recordingWriter) Header() http.Header { return w.header }
func (w *recordingWriter) WriteHeader(s int)   { w.status = s }
func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body = append(w.body, b...)
	return len(b), nil
}

// ingestUnlocked runs the fake's ingest and notes the record uuid.
func (f *fakeHive) ingestUnlocked(w *recordingWriter, body []byte) {
	f.ingest(w, body)
	var resp IngestResponse
	_ = json.Unmarshal(w.body, &resp)
	w.uuid = resp.UUID
}
