package task

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/jsonschema"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/instrument"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrPanic is wrapped by the error a recovered panic of the task function
// becomes (it is boundary.ErrPanic); the message is "panic: <value>".
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
	tape     *boundary.Tape
	inst     *instrument.Instruments
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
// otelrecord.DefaultMaxPayloadBytes (or HIVE_MAX_PAYLOAD_BYTES), request
// bodies of Handler capped at 1 MiB. Duplicate boundary names and tape
// recordings that cannot be indexed are logged with slog and otherwise
// ignored. A nil fn makes every run fail.
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
			slog.Warn("task: boundary declared twice", "task", name, "boundary", n)
			continue
		}
		t.declared[n] = true
		t.names = append(t.names, n)
	}
	t.boundariesAttr = otelrecord.TaskBoundariesKey.StringSlice(t.names)
	if len(t.cfg.tapeData) > 0 {
		tape, err := boundary.NewTape(t.cfg.tapeData)
		if err != nil {
			slog.Warn("task: tape recordings left out", "task", name, "error", err)
		}
		t.tape = tape
	}
	t.inst = instrument.New(t.cfg.mp)
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

// Describe returns the JSON Schema of the task's input type In.
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
// otelrecord.MetadataTraceID and MetadataSpanID, when the span has them) and
// non-nil Metrics.
//
// Per-task listeners have been called, synchronously, when SafeRun returns;
// global listeners are called off the caller's path.
func (t *Task[In, Out]) SafeRun(ctx context.Context, in In) (Out, *otelrecord.ExecutionRecord, error) {
	p := runParams[In]{in: in}
	if b, err := json.Marshal(in); err != nil {
		p.input = json.RawMessage("null")
		p.invalid = &ValidationError{Fields: []FieldError{{Field: rootField, Message: "cannot be encoded as JSON: " + err.Error()}}}
	} else {
		p.input = b
		if t.validate {
			if ve := validateValue(in); ve != nil {
				p.invalid = ve
			}
		}
	}
	return t.execute(ctx, p)
}

// RunJSON decodes raw (JSON of an In; empty means null) and runs the task
// like SafeRun, returning the output as JSON (the record's output) instead of
// an Out. Malformed JSON and values of the wrong JSON type are invalid input:
// the error is a *ValidationError.
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
	in      In
	input   json.RawMessage
	invalid *ValidationError
	replay  *otelrecord.ExecutionRecord
	modes   map[string]boundary.Mode
	tape    *boundary.Tape
}

var internalKind = trace.WithSpanKind(trace.SpanKindInternal)

// execute makes one run: span, record, boundary run, listeners.
func (t *Task[In, Out]) execute(ctx context.Context, p runParams[In]) (out Out, rec *otelrecord.ExecutionRecord, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	callerCtx := ctx
	rec = &otelrecord.ExecutionRecord{
		UUID:       newUUID(),
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
			rec.Metadata[k] = v
		}
		rec.Metrics = append(rec.Metrics, p.replay.Metrics...)
	}

	tp := t.cfg.tracerProvider()
	startAttrs := make([]attribute.KeyValue, 0, 6)
	startAttrs = append(startAttrs, t.kindAttr, t.nameAttr, otelrecord.RunUUIDKey.String(rec.UUID), t.boundariesAttr,
		otelrecord.TaskInputKey.String(payloadString(p.input, t.cfg.maxPayload)))
	if p.replay != nil {
		startAttrs = append(startAttrs, otelrecord.TaskReplayFromKey.String(p.replay.UUID))
	}
	start := time.Now()
	ctx, span := tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version)).
		Start(ctx, t.name, internalKind, trace.WithTimestamp(start), trace.WithAttributes(startAttrs...))
	if sc := span.SpanContext(); sc.HasTraceID() && sc.HasSpanID() {
		rec.Metadata[otelrecord.MetadataTraceID] = sc.TraceID().String()
		rec.Metadata[otelrecord.MetadataSpanID] = sc.SpanID().String()
	}

	if p.invalid != nil {
		err = p.invalid
		rec.Type = otelrecord.TypeError
		rec.Error = err.Error()
		end := time.Now()
		t.endSpan(span, rec, 0, true, end)
		t.inst.TaskRun(ctx, t.name, instrument.OutcomeError, end.Sub(start))
		t.notify(callerCtx, rec)
		return out, rec, err
	}

	t.mu.RLock()
	var mocks map[string]any
	if len(t.mocks) > 0 {
		mocks = t.mocks // NewRun copies it
	}
	state := &runState{
		taskName:    t.name,
		span:        span,
		inst:        t.inst,
		mockMeta:    t.mockMeta,
		mockMetrics: t.mockMetrics,
		metadata:    rec.Metadata,
		metrics:     rec.Metrics,
	}
	modes, tape := t.cfg.modes, t.tape
	if p.replay != nil {
		modes, tape = p.modes, p.tape
	}
	run := boundary.NewRun(boundary.RunConfig{
		UUID:            rec.UUID,
		TaskName:        t.name,
		TracerProvider:  tp,
		Instruments:     t.inst,
		MaxPayloadBytes: t.cfg.maxPayload,
		DefaultMode:     t.cfg.defaultMode,
		Modes:           modes,
		Tape:            tape,
		Mocks:           mocks,
		Start:           start,
	})
	t.mu.RUnlock()

	rctx := context.WithValue(boundary.ContextWithRun(ctx, run), stateKey{}, state)
	out, err = t.call(rctx, span, p.in)
	end := run.Now()

	rec.Metadata, rec.Metrics = state.end()
	calls := run.Calls()
	callCount := 0
	for name, cs := range calls {
		rec.Boundaries[name] = cs
		callCount += len(cs)
	}
	if err == nil {
		if rec.Output, err = json.Marshal(out); err != nil {
			rec.Output = nil
			err = fmt.Errorf("task %s: encode output: %w", t.name, err)
		}
	}
	outcome := instrument.OutcomeSuccess
	rec.Type = otelrecord.TypeSuccess
	if err != nil {
		outcome = instrument.OutcomeError
		rec.Type = otelrecord.TypeError
		rec.Error = err.Error()
	}
	rec.Timing = otelrecord.NewTiming(start, end)
	t.endSpan(span, rec, callCount, false, end)
	run.Close()
	t.inst.TaskRun(ctx, t.name, outcome, end.Sub(start))
	t.notify(callerCtx, rec)
	return out, rec, err
}

// call runs the task function, turning a panic into an error recorded on the
// span with its stack.
func (t *Task[In, Out]) call(ctx context.Context, span trace.Span, in In) (out Out, err error) {
	if t.fn == nil {
		return out, fmt.Errorf("task %s: no function", t.name)
	}
	defer func() {
		if r := recover(); r != nil {
			var zero Out
			out = zero
			if e, ok := r.(error); ok {
				err = fmt.Errorf("%w: %w", ErrPanic, e)
			} else {
				err = fmt.Errorf("%w: %v", ErrPanic, r)
			}
			span.RecordError(err, trace.WithStackTrace(true))
		}
	}()
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
			attrs = append(attrs, otelrecord.TaskOutputKey.String(payloadString(rec.Output, t.cfg.maxPayload)))
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

// notify calls the task's listeners, then hands the record to the global ones.
func (t *Task[In, Out]) notify(ctx context.Context, rec *otelrecord.ExecutionRecord) {
	for _, e := range t.listeners.snapshot() {
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

// payloadString returns the payload as attribute text, truncated to max bytes
// (max <= 0: no limit).
func payloadString(p []byte, max int) string {
	p, _ = otelrecord.Truncate(p, max)
	return string(p)
}

func newUUID() string {
	id, err := uuid.NewV7()
	if err != nil { // only when the random source fails
		return uuid.NewString()
	}
	return id.String()
}
