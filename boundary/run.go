package boundary

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/instrument"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// RunConfig describes a task run to NewRun. The zero value is a valid run with
// no uuid, every boundary in Proxy mode, no tape and no mocks.
type RunConfig struct {
	// UUID is the record uuid of the run, written on every boundary span made
	// inside it (otelrecord.RunUUIDKey).
	UUID string
	// TaskName names the task, for instruments.
	TaskName string
	// TracerProvider makes the boundary spans of the run; nil means the global
	// provider, resolved when NewRun is called.
	TracerProvider trace.TracerProvider
	// Instruments receive one BoundaryCall per call; nil records nothing.
	Instruments *instrument.Instruments
	// MaxPayloadBytes caps the input and output JSON written to span
	// attributes (see otelrecord.Truncate); 0 means
	// otelrecord.DefaultMaxPayloadBytes and a negative value means no limit.
	// The call log always keeps the full payloads.
	MaxPayloadBytes int
	// DefaultMode is the mode of boundaries absent from Modes.
	DefaultMode Mode
	// Modes sets the mode of individual boundaries, by name.
	Modes map[string]Mode
	// Tape answers calls in ProxyPass, ProxyCatch and Replay modes.
	Tape *Tape
	// Mocks replace the real function of boundaries, by name. Each value must
	// be a func(context.Context, In) (Out, error) with the boundary's types;
	// a call whose mock has another type fails with ErrMockType.
	Mocks map[string]any
	// Start is when the run started, as read by time.Now; zero means when
	// NewRun is called. Calls take their timestamps as Start plus the
	// monotonic time elapsed since, as the SDK does for span end times: a
	// wall-clock step during the run moves no call, and a reading costs one
	// clock read instead of two.
	Start time.Time
}

// Run is the state one task run shares with the boundary calls made inside it:
// the modes, tape position, mocks, and the log of calls. It is safe for
// concurrent use: calls from many goroutines are logged in the order they
// started.
type Run struct {
	uuid        string
	taskName    string
	tracer      trace.Tracer
	noopTracer  bool
	inst        *instrument.Instruments
	maxPayload  int
	defaultMode Mode
	modes       map[string]Mode
	tape        *Tape
	mocks       map[string]any
	uuidAttr    attribute.KeyValue
	epoch       time.Time // with a monotonic reading, normally
	epochNanos  int64     // epoch in Unix nanoseconds

	payloads slab // buffers of scalar payloads

	mu    sync.Mutex
	log   callLog // indexed by seq; its structure is guarded by mu
	tally callTally
	// listed and listedDone are the log length and the finished calls the
	// last Calls saw.
	listed, listedDone int
	closed             bool
	counted            int // finished calls when the run was closed
	cursors            map[*tapeGroup]int
}

// entry is one call in the log. The call that reserved it writes its fields
// without a lock, then sets done; readers read the fields only after seeing
// done set.
type entry struct {
	rec        otelrecord.BoundaryRecord // without Timing: see Calls
	start, end int64                     // run clock readings (see Run.clock)
	group      int32                     // the boundary's index in the run's callTally
	done       atomic.Bool
}

// NewRun returns a run described by cfg. The maps in cfg are copied.
func NewRun(cfg RunConfig) *Run {
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tr := tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
	_, isNoop := tr.(noop.Tracer)
	maxPayload := cfg.MaxPayloadBytes
	if maxPayload == 0 {
		maxPayload = otelrecord.DefaultMaxPayloadBytes
	}
	r := &Run{
		uuid:        cfg.UUID,
		taskName:    cfg.TaskName,
		tracer:      tr,
		noopTracer:  isNoop,
		inst:        cfg.Instruments,
		maxPayload:  maxPayload,
		defaultMode: cfg.DefaultMode,
		tape:        cfg.Tape,
		uuidAttr:    otelrecord.RunUUIDKey.String(cfg.UUID),
		epoch:       cfg.Start,
	}
	if r.epoch.IsZero() {
		r.epoch = time.Now()
	}
	r.epochNanos = r.epoch.UnixNano()
	if len(cfg.Modes) > 0 {
		r.modes = maps.Clone(cfg.Modes)
	}
	if len(cfg.Mocks) > 0 {
		r.mocks = maps.Clone(cfg.Mocks)
	}
	return r
}

type runKey struct{}

// ContextWithRun returns a copy of ctx carrying run: boundary calls made with
// the returned context (or one derived from it) belong to run.
func ContextWithRun(ctx context.Context, run *Run) context.Context {
	return context.WithValue(ctx, runKey{}, run)
}

// RunFromContext returns the run ctx carries, or nil (also for a nil ctx).
func RunFromContext(ctx context.Context) *Run {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

// UUID returns the run's record uuid.
func (r *Run) UUID() string { return r.uuid }

// TaskName returns the name of the task the run belongs to.
func (r *Run) TaskName() string { return r.taskName }

// Mode returns the mode calls of the named boundary run in.
func (r *Run) Mode(name string) Mode {
	if m, ok := r.modes[name]; ok {
		return m
	}
	return r.defaultMode
}

// Calls returns the finished calls of the run by boundary name, each list in
// call start order. Calls still running are left out, and after Close there
// are none. The result is a fresh map the caller owns.
func (r *Run) Calls() map[string][]otelrecord.BoundaryRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return map[string][]otelrecord.BoundaryRecord{}
	}
	// Each list is allocated once, at the number of calls begun (see
	// callTally): calls still running, if any, leave room unused.
	lists := make([][]otelrecord.BoundaryRecord, len(r.tally.names))
	total := 0
	for i, n := range r.tally.counts {
		lists[i] = make([]otelrecord.BoundaryRecord, 0, n)
		total += n
	}
	timings := make([]otelrecord.TimingInfo, total) // never grows: pointers into it stay valid
	k := 0
	r.log.each(func(e *entry) {
		if !e.done.Load() {
			return
		}
		timings[k] = otelrecord.TimingFromUnixNano(r.epochNanos+e.start, r.epochNanos+e.end)
		list := &lists[e.group]
		*list = (*list)[:len(*list)+1] // within the capacity counted at begin
		rec := &(*list)[len(*list)-1]
		*rec = e.rec
		rec.Timing = &timings[k]
		k++
	})
	r.listed, r.listedDone = r.log.n, k
	out := make(map[string][]otelrecord.BoundaryRecord, len(lists))
	for i, list := range lists {
		if len(list) > 0 {
			out[r.tally.names[i]] = list
		}
	}
	return out
}

// Now returns the current time on the run's clock: its start plus the
// monotonic time elapsed since (see RunConfig.Start). Package task ends the
// run's span on it, so a run never ends before its last call.
func (r *Run) Now() time.Time {
	return r.timeAt(r.clock())
}

// clock reads the run's clock: nanoseconds since the run's start, from the
// monotonic clock (one read, and no time.Time to build).
func (r *Run) clock() int64 {
	return int64(time.Since(r.epoch))
}

// timeAt turns a reading of the run's clock into a time. Its Unix nanoseconds
// are the run's start plus the reading, which is what Calls puts in the
// record's timing: spans and record agree to the nanosecond.
func (r *Run) timeAt(reading int64) time.Time {
	return r.epoch.Add(time.Duration(reading))
}

// CallCount returns the number of finished calls of the run.
func (r *Run) CallCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.counted
	}
	return r.finished()
}

// finished counts the finished calls of the log. r.mu must be held.
func (r *Run) finished() int {
	n := 0
	r.log.each(func(e *entry) {
		if e.done.Load() {
			n++
		}
	})
	return n
}

// begin reserves the next position in the log and takes the call's start
// time under the same lock, so the log order is the start order. The entry
// is the call's until finish.
func (r *Run) begin(name string) (seq int, e *entry, start int64) {
	r.mu.Lock()
	if r.closed { // a call that outlived its run: it is not logged
		seq, e = r.log.n, new(entry)
		r.log.n++
	} else {
		seq, e = r.log.add()
		e.group = int32(r.tally.add(name))
	}
	start = r.clock()
	r.mu.Unlock()
	return seq, e, start
}

// Close ends the run's log once the record has been built from it: calls
// that start later are not logged, Calls returns nothing, and the log's
// memory is reused by later runs when no call is still running (otherwise it
// is left to the garbage collector). Close is idempotent.
func (r *Run) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	if r.listed == r.log.n && r.listedDone == r.log.n {
		r.counted = r.listedDone // Calls saw every call begun, finished
	} else {
		r.counted = r.finished()
	}
	if r.counted == r.log.n {
		r.log.recycle() // every entry is finished: no one writes to them again
		return
	}
	r.log.chunks = nil // running calls still hold their entries
}

// finish stores a finished call and its start and end readings of the run's
// clock in the entry begin gave it. It takes no lock: entries never move (see
// callLog), only this call writes this entry, and readers wait for done.
func (r *Run) finish(e *entry, rec otelrecord.BoundaryRecord, start, end int64) {
	e.rec, e.start, e.end = rec, start, end
	e.done.Store(true)
}

// next returns the next unused recording of the boundary name for the call
// input (any JSON array; canonicalised here), consuming it.
func (r *Run) next(name string, input []byte) (otelrecord.BoundaryRecord, bool) {
	if r.tape.Len() == 0 {
		return otelrecord.BoundaryRecord{}, false
	}
	canon, err := canonicalJSON(input)
	if err != nil {
		return otelrecord.BoundaryRecord{}, false
	}
	g := r.tape.group(name, canon)
	if g == nil {
		return otelrecord.BoundaryRecord{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cursors == nil {
		r.cursors = make(map[*tapeGroup]int)
	}
	k := r.cursors[g]
	if k >= len(g.recs) {
		return otelrecord.BoundaryRecord{}, false
	}
	r.cursors[g] = k + 1
	return g.recs[k], true
}
