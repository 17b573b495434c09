package task

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/invopop/jsonschema"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrPanic is wrapped by the error a recovered panic of the task function
// becomes (it is boundary.ErrPanic); the message is "panic: <value>", and a
// panic value that is an error is wrapped too.
var ErrPanic = boundary.ErrPanic

// Task is a named unit of work from In to Out whose runs are recorded. A Task
// is safe for concurrent use: runs are independent of each other, and mocks
// and listeners may change while runs are in flight (each run uses those in
// place when it starts).
type Task[In, Out any] struct {
	name     string
	fn       func(context.Context, In) (Out, error)
	cfg      config
	names    []string // declared boundary names, in declaration order
	declared map[string]bool
	tape     *run.Tape
	inst     *run.Instruments
	redactor *otelrecord.Redactor
	validate bool

	kindAttr, nameAttr, boundariesAttr attribute.KeyValue

	mu          sync.RWMutex
	mocks       map[string]any
	mockMeta    MetadataFunc
	mockMetrics MetricsFunc

	listeners listeners
	schema    func() json.RawMessage
}

// New returns a task named name around fn.
//
// Defaults: no description, no declared boundaries, every boundary call in
// boundary.Proxy mode, no tape, the global TracerProvider and MeterProvider
// (resolved at use time), span payloads capped at
// otelrecord.DefaultMaxPayloadBytes (or HIVE_MAX_PAYLOAD_BYTES), runs
// keeping at most DefaultMaxRunCalls calls and DefaultMaxRunBytes payload
// bytes in their records (or HIVE_MAX_RUN_CALLS, HIVE_MAX_RUN_BYTES), the
// values of the keys of otelrecord.DefaultRedactKeys (and HIVE_REDACT_KEYS)
// redacted from payloads leaving the process (HIVE_CAPTURE_PAYLOADS=false:
// every payload), request bodies of Handler capped at 1 MiB. Duplicate boundary names and tape
// recordings that cannot be indexed are reported through otel.Handle (see
// the package doc) and otherwise ignored. A nil fn makes every run fail.
func New[In, Out any](name string, fn func(context.Context, In) (Out, error), opts ...Option) *Task[In, Out] {
	t := &Task[In, Out]{
		name:     name,
		fn:       fn,
		cfg:      newConfig(opts),
		declared: make(map[string]bool),
		validate: isStructInput(reflect.TypeFor[In]()),
		kindAttr: otelrecord.KindKey.String(otelrecord.KindTask),
		nameAttr: otelrecord.TaskNameKey.String(name),
	}
	for _, b := range t.cfg.boundaries {
		n := b.Name()
		if t.declared[n] {
			run.Handle(reasonConfig, fmt.Errorf("task %s: boundary %s declared twice", name, n))
			continue
		}
		t.declared[n] = true
		t.names = append(t.names, n)
	}
	t.boundariesAttr = otelrecord.TaskBoundariesKey.StringSlice(t.names)
	if len(t.cfg.tapeData) > 0 {
		tape, err := run.NewTape(t.cfg.tapeData)
		if err != nil {
			run.Handle(reasonConfig, fmt.Errorf("task %s: recordings left out of the tape: %w", name, err))
		}
		t.tape = tape
	}
	t.inst = run.NewInstruments(t.cfg.mp)
	t.redactor = t.cfg.redactor()
	t.schema = sync.OnceValue(func() json.RawMessage {
		r := jsonschema.Reflector{ExpandedStruct: true}
		s := r.Reflect(new(In))
		b, err := json.Marshal(s)
		if err != nil {
			return json.RawMessage(`{}`)
		}
		return b
	})
	return t
}

// Name returns the task's name.
func (t *Task[In, Out]) Name() string { return t.name }

// Description returns the task's description.
func (t *Task[In, Out]) Description() string { return t.cfg.description }

// Boundaries returns the names of the declared boundaries, in declaration
// order.
func (t *Task[In, Out]) Boundaries() []string { return append([]string(nil), t.names...) }

// Describe returns the JSON Schema of the task's input type In. Its objects
// allow no additional properties, and RunJSON rejects them likewise.
func (t *Task[In, Out]) Describe() json.RawMessage {
	return append(json.RawMessage(nil), t.schema()...)
}

// Run runs the task with in and returns its output or error. It is SafeRun
// without the record; listeners still receive it.
func (t *Task[In, Out]) Run(ctx context.Context, in In) (Out, error) {
	out, _, err := t.SafeRun(ctx, in)
	return out, err
}

// SafeRun runs the task with in and returns its output, its record and its
// error. The record is never nil: a run whose input is invalid (the error
// wraps ErrInvalidInput and is a *ValidationError), whose function fails or
// panics still has one. The record has every declared boundary, non-nil
// Metadata (with the trace and span id of the run's span under
// otelrecord.MetadataTraceID and MetadataSpanID, when the span is recording) and
// non-nil Metrics.
//
// The record is the caller's own: its payloads are not redacted (the spans
// and the records listeners receive are; see WithRedactKeys), while it holds
// the run's calls within the run's bounds like every other form of the record
// (see WithMaxRunCalls).
//
// Per-task listeners have been called, synchronously, when SafeRun returns;
// global listeners are called off the caller's path.
func (t *Task[In, Out]) SafeRun(ctx context.Context, in In) (Out, *otelrecord.ExecutionRecord, error) {
	p := runParams[In]{in: in}
	if b, err := json.Marshal(in); err != nil {
		p.input, p.unencodable = json.RawMessage("null"), err.Error()
	} else {
		p.input = b
	}
	if t.validate {
		if ve := validateValue(in); ve != nil {
			p.invalid = ve
		}
	}
	return t.execute(ctx, p)
}

// RunJSON decodes raw (JSON of an In; empty means null) and runs the task
// like SafeRun, returning the output as JSON (the record's output) instead of
// an Out. Malformed JSON, values of the wrong JSON type and object members
// In has no field for (as Describe's additionalProperties: false says) are
// invalid input, reported with the broken struct-tag rules: the error is a
// *ValidationError listing every problem (see ValidateJSON).
func (t *Task[In, Out]) RunJSON(ctx context.Context, raw json.RawMessage) (json.RawMessage, *otelrecord.ExecutionRecord, error) {
	p := t.paramsFromJSON(raw)
	_, rec, err := t.execute(ctx, p)
	return rec.Output, rec, err
}

// paramsFromJSON decodes and validates a JSON input.
func (t *Task[In, Out]) paramsFromJSON(raw json.RawMessage) runParams[In] {
	var p runParams[In]
	p.input = compactJSON(raw)
	in, ve := decodeInput[In](raw)
	if ve != nil {
		p.invalid = ve
		return p
	}
	p.in = in
	if t.validate {
		if ve := validateValue(in); ve != nil {
			p.invalid = ve
		}
	}
	return p
}

// compactJSON returns raw without insignificant whitespace; "null" when
// empty; the JSON string of raw when it is not JSON at all.
func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		s, _ := json.Marshal(string(raw))
		return s
	}
	return b.Bytes()
}

// runParams is how a run starts: its input, or why it is invalid, and for a
// replay the record it replays and the modes and tape to use.
type runParams[In any] struct {
	in    In
	input json.RawMessage
	// unencodable is the encoding error of an input with no JSON encoding,
	// recorded as null; empty when the input was encoded.
	unencodable string
	invalid     *ValidationError
	replay      *otelrecord.ExecutionRecord
	modes       map[string]boundary.Mode
	tape        *run.Tape
}

var internalKind = trace.WithSpanKind(trace.SpanKindInternal)

// execute makes one run: its record and span, then (for a valid input) the
// task function inside a boundary run, then the listeners.
func (t *Task[In, Out]) execute(ctx context.Context, p runParams[In]) (out Out, rec *otelrecord.ExecutionRecord, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	rec = t.newRecord(p)
	tp := t.cfg.tracerProvider()
	sctx, span, start := t.startSpan(ctx, tp, rec, p)
	if p.invalid != nil {
		err = t.rejectInput(sctx, span, rec, p.invalid, start)
	} else {
		out, err = t.runFunction(sctx, tp, span, rec, p, start)
	}
	t.notify(ctx, rec)
	return out, rec, err
}

// newRecord returns the record a run starts with: a fresh uuid, the input,
// every declared boundary without calls, and for a replay the replayed
// record's metadata (but the entries describing that record, see
// SafeReplay) and metrics.
func (t *Task[In, Out]) newRecord(p runParams[In]) *otelrecord.ExecutionRecord {
	rec := &otelrecord.ExecutionRecord{
		UUID:       run.NewUUID(),
		TaskName:   t.name,
		Input:      p.input,
		Boundaries: make(map[string][]otelrecord.BoundaryRecord, len(t.names)),
		Metadata:   make(map[string]string),
		Metrics:    []otelrecord.Metric{},
	}
	for _, n := range t.names {
		rec.Boundaries[n] = []otelrecord.BoundaryRecord{}
	}
	if p.replay != nil {
		for k, v := range p.replay.Metadata {
			if replayedMetadata(k) {
				rec.Metadata[k] = v
			}
		}
		rec.Metrics = append(rec.Metrics, p.replay.Metrics...)
	}
	if p.unencodable != "" {
		rec.Metadata[otelrecord.UnencodableTaskKey(otelrecord.UnencodableInput)] = p.unencodable
	}
	return rec
}

// startSpan starts the task-run span with the attributes known at start and
// puts its trace and span id in the record's metadata when it is recording
// (a span that is not, such as the one a no-op tracer returns with its
// parent's ids, leads to no trace of the run). It returns the span's
// context, the span and the run's start time.
func (t *Task[In, Out]) startSpan(ctx context.Context, tp trace.TracerProvider, rec *otelrecord.ExecutionRecord, p runParams[In]) (context.Context, trace.Span, time.Time) {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, t.kindAttr, t.nameAttr, otelrecord.RunUUIDKey.String(rec.UUID), t.boundariesAttr,
		otelrecord.TaskInputKey.String(otelrecord.TruncateString(t.redactor.Redact(p.input), t.cfg.maxPayload)))
	if p.replay != nil {
		attrs = append(attrs, otelrecord.TaskReplayFromKey.String(p.replay.UUID))
	}
	start := time.Now()
	ctx, span := tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version)).
		Start(ctx, t.name, internalKind, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	if sc := span.SpanContext(); span.IsRecording() && sc.HasTraceID() && sc.HasSpanID() {
		rec.Metadata[otelrecord.MetadataTraceID] = sc.TraceID().String()
		rec.Metadata[otelrecord.MetadataSpanID] = sc.SpanID().String()
	}
	return ctx, span, start
}

// rejectInput ends a run whose input is invalid without calling the task
// function: the record is an error without timing, and invalid is the run's
// error.
func (t *Task[In, Out]) rejectInput(ctx context.Context, span trace.Span, rec *otelrecord.ExecutionRecord, invalid *ValidationError, start time.Time) error {
	rec.Type = otelrecord.TypeError
	rec.Error = invalid.Error()
	end := time.Now()
	t.endSpan(span, rec, 0, true, end)
	t.inst.TaskRun(ctx, t.name, otelrecord.OutcomeError, end.Sub(start))
	return invalid
}

// runFunction runs the task function inside a boundary run, completes the
// record from the run (calls, metadata, metrics, output or error, timing),
// ends the span and closes the boundary run.
//
// A function that calls runtime.Goexit (as t.FailNow does in a test) ends
// the caller's goroutine, and runFunction never returns: the run still ends
// on the way out, as a failure wrapping run.ErrGoexit, and its record reaches
// the listeners, as execute would have passed it on.
func (t *Task[In, Out]) runFunction(ctx context.Context, tp trace.TracerProvider, span trace.Span, rec *otelrecord.ExecutionRecord, p runParams[In], start time.Time) (Out, error) {
	r, state := t.newRun(tp, span, rec, p, start)
	rctx := context.WithValue(run.NewContext(ctx, r), stateKey{}, state)
	returned := false
	defer func() {
		if returned {
			return
		}
		// call recovers the function's panics: it neither returned nor
		// panicked, so it called runtime.Goexit.
		var zero Out
		t.endRun(ctx, span, rec, r, state, zero, run.GoexitError(span, "task "+t.name), start)
		t.notify(ctx, rec)
	}()
	out, err := t.call(rctx, span, p.in)
	returned = true
	return out, t.endRun(ctx, span, rec, r, state, out, err, start)
}

// endRun completes the record of a run from its boundary run and from the
// function's result, ends the span, closes the boundary run and records the
// run in the instruments. It returns the run's error (see setResult).
func (t *Task[In, Out]) endRun(ctx context.Context, span trace.Span, rec *otelrecord.ExecutionRecord, r *run.Run[boundary.Mode], state *runState, out Out, err error, start time.Time) error {
	end := r.Now()

	rec.Metadata, rec.Metrics = state.end()
	callCount := 0
	calls, notes := r.CallsNoted()
	for name, cs := range calls {
		rec.Boundaries[name] = cs
		callCount += len(cs)
	}
	maps.Copy(rec.Metadata, notes)
	addOmitted(rec.Metadata, r)
	err = t.setResult(rec, out, err)
	rec.Timing = otelrecord.NewTiming(start, end)
	t.endSpan(span, rec, callCount, false, end)
	r.Close()
	outcome := otelrecord.OutcomeSuccess
	if err != nil {
		outcome = otelrecord.OutcomeError
	}
	t.inst.TaskRun(ctx, t.name, outcome, end.Sub(start))
	return err
}

// newRun returns the boundary run of a run of t, with the mocks, modes and
// tape in place now, and the state SetMetadata and SetMetrics reach.
func (t *Task[In, Out]) newRun(tp trace.TracerProvider, span trace.Span, rec *otelrecord.ExecutionRecord, p runParams[In], start time.Time) (*run.Run[boundary.Mode], *runState) {
	modes, tape := t.cfg.modes, t.tape
	if p.replay != nil {
		modes, tape = p.modes, p.tape
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	state := &runState{
		taskName:    t.name,
		span:        span,
		inst:        t.inst,
		mockMeta:    t.mockMeta,
		mockMetrics: t.mockMetrics,
		metadata:    rec.Metadata,
		metrics:     rec.Metrics,
	}
	r := run.New(run.Config[boundary.Mode]{
		UUID:            rec.UUID,
		TaskName:        t.name,
		Tracer:          tp.Tracer(boundary.ScopeName, trace.WithInstrumentationVersion(boundary.Version)),
		Instruments:     t.inst,
		MaxPayloadBytes: t.cfg.maxPayload,
		Limits:          t.cfg.limits,
		Redactor:        t.redactor,
		DefaultMode:     t.cfg.defaultMode,
		Modes:           modes,
		Tape:            tape,
		Mocks:           t.mocks, // copied by run.New
		Start:           start,
	})
	return r, state
}

// addOmitted writes what the run left out of its record, past its bounds,
// into the record's metadata (otelrecord.MetadataCallsOmitted and the
// aggregate of each boundary), replacing entries of the same keys.
func addOmitted(metadata map[string]string, r *run.Run[boundary.Mode]) {
	total, byName := r.Omitted()
	if total == 0 {
		return
	}
	metadata[otelrecord.MetadataCallsOmitted] = strconv.Itoa(total)
	for _, o := range byName {
		metadata[otelrecord.MetadataCallsOmittedPrefix+o.Name] = otelrecord.FormatOmittedCalls(o.Count, o.Duration)
	}
}

// setResult sets the record's type and its output (the JSON of out) or
// error, and returns the run's error, err. An out with no JSON encoding is
// recorded as null, with the encoding error in the metadata
// (otelrecord.UnencodableTaskKey): the run still succeeds.
func (t *Task[In, Out]) setResult(rec *otelrecord.ExecutionRecord, out Out, err error) error {
	if err == nil {
		var eerr error
		if rec.Output, eerr = json.Marshal(out); eerr != nil {
			rec.Output = json.RawMessage("null")
			rec.Metadata[otelrecord.UnencodableTaskKey(otelrecord.UnencodableOutput)] = eerr.Error()
		}
	}
	if err != nil {
		rec.Type = otelrecord.TypeError
		rec.Error = err.Error()
		return err
	}
	rec.Type = otelrecord.TypeSuccess
	return nil
}

// call runs the task function, turning a panic into an error recorded on the
// span with its stack.
func (t *Task[In, Out]) call(ctx context.Context, span trace.Span, in In) (out Out, err error) {
	if t.fn == nil {
		return out, fmt.Errorf("task %s: no function", t.name)
	}
	defer run.Recover(span, &err)
	return t.fn(ctx, in)
}

// endSpan writes the end-time attributes of the task-run span in one call and
// ends it at end.
func (t *Task[In, Out]) endSpan(span trace.Span, rec *otelrecord.ExecutionRecord, calls int, invalid bool, end time.Time) {
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 7+len(rec.Metadata))
		if rec.Type == otelrecord.TypeError {
			attrs = append(attrs, otelrecord.TaskErrorKey.String(rec.Error))
		} else {
			attrs = append(attrs, otelrecord.TaskOutputKey.String(otelrecord.TruncateString(t.redactor.Redact(rec.Output), t.cfg.maxPayload)))
		}
		if invalid {
			attrs = append(attrs, otelrecord.TaskInvalidInputKey.Bool(true))
		}
		md, _ := json.Marshal(rec.Metadata)
		mt, _ := json.Marshal(rec.Metrics)
		attrs = append(attrs,
			otelrecord.RecordTypeKey.String(string(rec.Type)),
			otelrecord.TaskBoundaryCallsKey.Int(calls),
			otelrecord.TaskMetadataKey.String(string(md)),
			otelrecord.TaskMetricsKey.String(string(mt)))
		for k, v := range rec.Metadata {
			attrs = append(attrs, attribute.String(otelrecord.MetadataKeyPrefix+k, v))
		}
		span.SetAttributes(attrs...)
		if rec.Type == otelrecord.TypeError {
			span.SetStatus(codes.Error, rec.Error)
		}
	}
	span.End(trace.WithTimestamp(end))
}

// notify calls the task's listeners, then hands the record to the global
// ones: the record as it leaves the process, redacted by the task's policy.
func (t *Task[In, Out]) notify(ctx context.Context, rec *otelrecord.ExecutionRecord) {
	ls := t.listeners.snapshot()
	if len(ls) == 0 && !hasGlobalListeners() {
		return
	}
	rec = t.redactor.RedactRecord(rec)
	for _, e := range ls {
		callListener(ctx, t.name, e.l, rec)
	}
	deliverGlobal(ctx, t.name, rec)
}

// AddListener adds a listener for the records of this task's runs and returns
// its id for RemoveListener. Task listeners are called synchronously, in the
// order they were added, once the record is complete and the run's span has
// ended, before Run/SafeRun returns; a slow listener slows the run's caller.
// A nil l is ignored (id 0).
func (t *Task[In, Out]) AddListener(l Listener) ListenerID {
	if l == nil {
		return 0
	}
	return t.listeners.add(l)
}

// RemoveListener removes the listener with id and reports whether it was
// there.
func (t *Task[In, Out]) RemoveListener(id ListenerID) bool {
	return t.listeners.remove(id)
}
