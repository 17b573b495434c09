package run

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/tally"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Config describes a run to New. M is the type of boundary modes
// (boundary.Mode): the run stores modes and hands them back, but never reads
// them, so this package need not import boundary. The zero value is a valid
// run with no uuid, every boundary in the zero mode, no tape, no mocks, no
// payload limit, no bounds and no redaction.
type Config[M any] struct {
	// UUID is the record uuid of the run, written on every boundary span made
	// inside it (otelrecord.RunUUIDKey).
	UUID string
	// TaskName names the task, for instruments.
	TaskName string
	// Tracer makes the boundary spans of the run (package boundary's
	// instrumentation scope); nil makes none, as the no-op tracer.
	Tracer trace.Tracer
	// Instruments receive one BoundaryCall per call; nil records nothing.
	Instruments *Instruments
	// MaxPayloadBytes caps the input and output JSON written to span
	// attributes, by the rule of otelrecord.Truncate (n <= 0: no limit). The
	// call log always keeps the full payloads.
	MaxPayloadBytes int
	// Limits bound the calls the run keeps in its log (see Begin).
	Limits Limits
	// Redactor redacts the payloads written to span attributes; nil redacts
	// nothing. The call log always keeps the payloads unredacted.
	Redactor *otelrecord.Redactor
	// DefaultMode is the mode of boundaries absent from Modes.
	DefaultMode M
	// Modes sets the mode of individual boundaries, by name.
	Modes map[string]M
	// Tape answers calls in the modes that read it.
	Tape *Tape
	// Mocks replace the real function of boundaries, by name. Each value is a
	// function of the type the boundary's constructor takes, as
	// task.MockBoundary (and MockBoundary0, 2, 3) store it: func(context.Context,
	// In) (Out, error) for boundary.New, func(context.Context, A, B) (Out,
	// error) for boundary.New2, and so on; package boundary checks the type.
	Mocks map[string]any
	// Start is when the run started, as read by time.Now; zero means when
	// New is called. Calls take their timestamps as Start plus the
	// monotonic time elapsed since, as the SDK does for span end times: a
	// wall-clock step during the run moves no call, and a reading costs one
	// clock read instead of two.
	Start time.Time
}

// Run is the state one task run shares with the boundary calls made inside it:
// the modes, tape position, mocks, and the log of calls. It is safe for
// concurrent use: calls from many goroutines are logged in the order they
// started.
//
// A call goes through Begin (a position in the log and a start time), then
// Finish (its record and end time); the task builds its record with Calls and
// ends the run with Close.
type Run[M any] struct {
	uuid        string
	taskName    string
	tracer      trace.Tracer
	noopTracer  bool
	inst        *Instruments
	maxPayload  int
	limits      Limits
	redactor    *otelrecord.Redactor
	defaultMode M
	modes       map[string]M
	tape        *Tape
	mocks       map[string]any
	uuidAttr    attribute.KeyValue
	epoch       time.Time // with a monotonic reading, normally
	epochNanos  int64     // epoch in Unix nanoseconds

	mu    sync.Mutex
	log   callLog // indexed by seq; its structure is guarded by mu
	tally tally.Tally[string]
	// listed and listedDone are the log length and the finished calls the
	// last Calls saw.
	listed, listedDone int
	closed             bool
	counted            int // finished calls when the run was closed
	lateSeq            int // the position of the next call after Close
	cursors            map[*tapeGroup]int
	// full is set once a limit is reached: later calls are omitted, only
	// counted in omitted. kept is the payload bytes of the logged calls (see
	// countKept).
	full    bool
	kept    keptBytes
	omitted omittedCalls
}

// Entry is one call in the log, from Begin to Finish. The call that reserved
// it writes its fields without a lock, then sets done; readers read the
// fields only after seeing done set.
type Entry struct {
	rec        otelrecord.BoundaryRecord // without Timing: see Calls
	unencoded  Unencodable               // the payload with no JSON encoding, if any
	start, end int64                     // run clock readings (see Run.Clock)
	group      int32                     // the boundary's index in the run's tally
	done       atomic.Bool
}

// New returns a run described by cfg. The maps in cfg are copied.
func New[M any](cfg Config[M]) *Run[M] {
	tr := cfg.Tracer
	if tr == nil {
		tr = noop.Tracer{}
	}
	_, isNoop := tr.(noop.Tracer)
	r := &Run[M]{
		uuid:        cfg.UUID,
		taskName:    cfg.TaskName,
		tracer:      tr,
		noopTracer:  isNoop,
		inst:        cfg.Instruments,
		maxPayload:  cfg.MaxPayloadBytes,
		limits:      cfg.Limits,
		redactor:    cfg.Redactor,
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

// UUID returns the run's record uuid.
func (r *Run[M]) UUID() string { return r.uuid }

// UUIDAttr returns the run's uuid as the attribute its boundary spans carry.
func (r *Run[M]) UUIDAttr() attribute.KeyValue { return r.uuidAttr }

// TaskName returns the name of the task the run belongs to.
func (r *Run[M]) TaskName() string { return r.taskName }

// Tracer returns the tracer of the run's boundary spans, and whether it is
// the no-op tracer (calls then start no span at all).
func (r *Run[M]) Tracer() (tr trace.Tracer, isNoop bool) { return r.tracer, r.noopTracer }

// Instruments returns the run's instruments (nil records nothing).
func (r *Run[M]) Instruments() *Instruments { return r.inst }

// MaxPayloadBytes returns the payload limit of the run's span attributes,
// by the rule of otelrecord.Truncate.
func (r *Run[M]) MaxPayloadBytes() int { return r.maxPayload }

// Redactor returns the redactor of the payloads the run's boundary spans
// carry (nil: none).
func (r *Run[M]) Redactor() *otelrecord.Redactor { return r.redactor }

// Mode returns the mode calls of the named boundary run in.
func (r *Run[M]) Mode(name string) M {
	if m, ok := r.modes[name]; ok {
		return m
	}
	return r.defaultMode
}

// Mock returns the mock of the named boundary, if any.
func (r *Run[M]) Mock(name string) (any, bool) {
	m, ok := r.mocks[name]
	return m, ok
}

// Unencodable says which payloads of a call had no JSON encoding, and why:
// such a payload is logged as null. The zero value says both were encoded.
type Unencodable struct {
	// Input is the encoding error of the input; empty when it was encoded.
	Input string
	// Output is the encoding error of the output; empty when it was encoded
	// (or the call failed, or was answered from the tape).
	Output string
}

// Calls returns the finished calls of the run by boundary name, each list in
// call start order. Calls still running are left out, and after Close there
// are none. The result is a fresh map the caller owns.
func (r *Run[M]) Calls() map[string][]otelrecord.BoundaryRecord {
	calls, _ := r.CallsNoted()
	return calls
}

// CallsNoted returns what Calls returns and, for the calls among them whose
// input or output had no JSON encoding (see Unencodable), the metadata notes
// of otelrecord.UnencodableKey, nil when there are none.
func (r *Run[M]) CallsNoted() (calls map[string][]otelrecord.BoundaryRecord, notes map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return map[string][]otelrecord.BoundaryRecord{}, nil
	}
	// Each list is allocated once, at the number of calls begun (see
	// Begin): calls still running, if any, leave room unused.
	counts := r.tally.Counts()
	lists := make([][]otelrecord.BoundaryRecord, len(counts))
	total := 0
	for i, n := range counts {
		lists[i] = make([]otelrecord.BoundaryRecord, 0, n)
		total += n
	}
	timings := make([]otelrecord.TimingInfo, total) // never grows: pointers into it stay valid
	k := 0
	r.log.each(func(e *Entry) {
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
		if u := e.unencoded; u != (Unencodable{}) {
			if notes == nil {
				notes = make(map[string]string)
			}
			name, i := r.tally.Keys()[e.group], len(*list)-1
			if u.Input != "" {
				notes[otelrecord.UnencodableKey(name, i, otelrecord.UnencodableInput)] = u.Input
			}
			if u.Output != "" {
				notes[otelrecord.UnencodableKey(name, i, otelrecord.UnencodableOutput)] = u.Output
			}
		}
	})
	r.listed, r.listedDone = r.log.n, k
	out := make(map[string][]otelrecord.BoundaryRecord, len(lists))
	names := r.tally.Keys()
	for i, list := range lists {
		if len(list) > 0 {
			out[names[i]] = list
		}
	}
	return out, notes
}

// Now returns the current time on the run's clock: its start plus the
// monotonic time elapsed since (see Config.Start). Package task ends the
// run's span on it, so a run never ends before its last call.
func (r *Run[M]) Now() time.Time {
	return r.TimeAt(r.Clock())
}

// Clock reads the run's clock: nanoseconds since the run's start, from the
// monotonic clock (one read, and no time.Time to build).
func (r *Run[M]) Clock() int64 {
	return int64(time.Since(r.epoch))
}

// TimeAt turns a reading of the run's clock into a time. Its Unix nanoseconds
// are the run's start plus the reading, which is what Calls puts in the
// record's timing: spans and record agree to the nanosecond.
func (r *Run[M]) TimeAt(reading int64) time.Time {
	return r.epoch.Add(time.Duration(reading))
}

// CallCount returns the number of finished calls of the run; after Close,
// the number finished when it closed.
func (r *Run[M]) CallCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.counted
	}
	return r.finished()
}

// finished counts the finished calls of the log. r.mu must be held.
func (r *Run[M]) finished() int {
	n := 0
	r.log.each(func(e *Entry) {
		if e.done.Load() {
			n++
		}
	})
	return n
}

// Begin reserves the next position in the log for a call of the boundary
// name whose input has inputBytes bytes, and takes the call's start time (a
// Clock reading) under the same lock, so the log order is the start order.
// The entry is the call's until it passes it to Finish.
//
// A call that begins once the run has reached one of its limits (it has
// logged Limits.Calls calls, or they hold Limits.Bytes payload bytes) is
// omitted: it gets no position (seq -1) and no entry, and passes its timing
// to Omit instead of Finish. The limits are checked as calls begin, so the
// calls running then may take the bytes kept past Limits.Bytes by their own
// payloads; from the first omitted call on, every later call is omitted.
//
// A call that begins after Close is not logged: it gets an entry of its own,
// which Finish fills and nothing reads, and a position past those of the
// logged calls, so the call still runs and still makes its span.
func (r *Run[M]) Begin(name string, inputBytes int) (seq int, e *Entry, start int64) {
	r.mu.Lock()
	switch {
	case r.closed:
		seq, e = r.lateSeq, new(Entry)
		r.lateSeq++
	case r.full || r.reachedLimit():
		r.full, seq = true, -1
	default:
		seq, e = r.log.add()
		e.group = int32(r.tally.Add(name))
		r.kept.bytes += int64(inputBytes)
	}
	start = r.Clock()
	r.mu.Unlock()
	return seq, e, start
}

// reachedLimit reports whether the log is full. r.mu must be held.
func (r *Run[M]) reachedLimit() bool {
	return (r.limits.Calls > 0 && r.log.n >= r.limits.Calls) ||
		(r.limits.Bytes > 0 && r.kept.count(&r.log) >= r.limits.Bytes)
}

// Finish stores a finished call, what of it had no JSON encoding (the zero
// Unencodable when all had one) and its start and end readings of the run's
// clock in the entry Begin gave it. It takes no lock: entries never move (see
// callLog), only this call writes this entry, and readers wait for done.
func (r *Run[M]) Finish(e *Entry, rec otelrecord.BoundaryRecord, u Unencodable, start, end int64) {
	e.rec, e.unencoded, e.start, e.end = rec, u, start, end
	e.done.Store(true)
}

// Close ends the run's log once the record has been built from it: calls
// that begin later are not logged, Calls returns nothing, and the log's
// memory is reused by later runs when no call is still running (otherwise it
// is left to the garbage collector, and the running calls finish into
// entries nothing reads). Close is idempotent and safe to call concurrently
// with calls.
func (r *Run[M]) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.lateSeq = r.log.n
	r.kept = keptBytes{}
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

// Next returns the next unused recording of the boundary name for the call
// input (any JSON array; canonicalised here), consuming it, and the encoding
// error of its output when that output had no JSON encoding (see
// NewNotedTape): the recording's output then cannot answer the call.
func (r *Run[M]) Next(name string, input []byte) (rec otelrecord.BoundaryRecord, unencodable string, ok bool) {
	if r.tape.Len() == 0 {
		return rec, "", false
	}
	canon, err := canonicalJSON(input)
	if err != nil {
		return rec, "", false
	}
	g := r.tape.group(name, canon)
	if g == nil {
		return rec, "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cursors == nil {
		r.cursors = make(map[*tapeGroup]int)
	}
	k := r.cursors[g]
	if k >= len(g.recs) {
		return rec, "", false
	}
	r.cursors[g] = k + 1
	if g.unencodable != nil {
		unencodable = g.unencodable[k]
	}
	return g.recs[k], unencodable, true
}
