package boundary

import (
	"context"
	"maps"
	"sync"
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

	mu      sync.Mutex
	log     callLog // indexed by seq
	done    int
	cursors map[*tapeGroup]int
}

// entry is one call in the log; done is false while the call runs.
type entry struct {
	name   string
	rec    otelrecord.BoundaryRecord // rec.Timing points at timing
	timing otelrecord.TimingInfo
	done   bool
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
	}
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
// call start order. Calls still running are left out. The result is a fresh
// map the caller owns.
func (r *Run) Calls() map[string][]otelrecord.BoundaryRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]otelrecord.BoundaryRecord)
	for i := range r.log.n {
		e := r.log.at(i)
		if e.done {
			out[e.name] = append(out[e.name], e.rec)
		}
	}
	return out
}

// CallCount returns the number of finished calls of the run.
func (r *Run) CallCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// begin reserves the next position in the log and takes the call's start
// time under the same lock, so the log order is the start order.
func (r *Run) begin() (seq int, start time.Time) {
	r.mu.Lock()
	seq = r.log.add()
	start = time.Now()
	r.mu.Unlock()
	return seq, start
}

// finish stores a finished call and its timing at its position. The entry
// holds the timing, so a call costs no allocation of its own for it (entries
// never move: see callLog).
func (r *Run) finish(seq int, name string, rec otelrecord.BoundaryRecord, timing otelrecord.TimingInfo) {
	r.mu.Lock()
	e := r.log.at(seq)
	*e = entry{name: name, rec: rec, timing: timing, done: true}
	e.rec.Timing = &e.timing
	r.done++
	r.mu.Unlock()
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
