package boundary

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Named is anything with a boundary name; every *Boundary is one. Package
// task declares the boundaries a task uses through it.
type Named interface {
	Name() string
}

// Boundary is a typed door to the outside world: a function from In to Out
// whose every call makes a span and, inside a task run, is recorded, may be
// mocked, and may be answered from a tape. A Boundary is immutable and safe
// for concurrent use.
type Boundary[In, Out any] struct {
	name     string
	fn       func(context.Context, In) (Out, error)
	cfg      config
	nameAttr attribute.KeyValue
}

var _ Named = (*Boundary[int, int])(nil)

// New returns a boundary named name around fn. The name identifies the
// boundary in records, tapes, mocks and spans; it should be unique among the
// boundaries of a task. A nil fn makes every real call fail.
func New[In, Out any](name string, fn func(context.Context, In) (Out, error), opts ...Option) *Boundary[In, Out] {
	return &Boundary[In, Out]{
		name:     name,
		fn:       fn,
		cfg:      newConfig(opts),
		nameAttr: otelrecord.BoundaryNameKey.String(name),
	}
}

// Name returns the boundary's name.
func (b *Boundary[In, Out]) Name() string { return b.name }

var (
	clientKind            = trace.WithSpanKind(trace.SpanKindClient)
	noopSpan   trace.Span = noop.Span{}
)

// Call calls the boundary with in.
//
// The call is a child span of the span in ctx, named after the boundary, with
// the input and output (or error) as JSON attributes. When ctx belongs to a
// task run (ctx passed to a task's function, or derived from it), the call
// runs in the run's mode for this boundary, uses the run's mock if any, and
// is appended to the run's log with its input and output snapshotted as JSON
// at call time. Outside any run the real function is called and nothing is
// recorded. A call that outlives its run (it begins after the run has ended)
// behaves as inside it but is left out of the run's record; so does a call
// past the run's bound (task.WithMaxRunCalls), which the record counts. The
// span's payloads are redacted (task.WithRedactKeys); the log's are not.
//
// A panic in the function is recovered and returned as an error wrapping
// ErrPanic; the stack is kept in an "exception" event of the span. Call is
// safe for concurrent use, also by many goroutines of one run.
func (b *Boundary[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if r := run.FromContext[Mode](ctx); r != nil {
		return b.callInRun(ctx, r, in)
	}
	return b.callOutside(ctx, in)
}

// inRunCall is one call made inside a run, as it goes through its phases:
// begin (input, log position, span), answer (the mode's), end (output, log
// entry, span attributes, instruments).
type inRunCall struct {
	run      *run.Run[Mode]
	mode     Mode
	input    []byte
	seq      int
	entry    *run.Entry
	start    int64           // run clock reading
	ctx      context.Context // the call's: its span's, or the caller's with the no-op tracer
	span     trace.Span
	rawOut   json.RawMessage
	fromTape bool
}

// callInRun makes a call inside run r: begin, answer, encode the output
// (unless the tape gave it), end. A function (or mock) that calls
// runtime.Goexit, as t.FailNow does, still ends the call, as a failure
// wrapping run.ErrGoexit, on its goroutine's way out.
func (b *Boundary[In, Out]) callInRun(ctx context.Context, r *run.Run[Mode], in In) (out Out, err error) {
	c := inRunCall{run: r, mode: r.Mode(b.name)}
	err = b.begin(ctx, &c, in)
	answered := false
	defer func() {
		if !answered { // answer recovers panics: the function called runtime.Goexit
			b.end(ctx, &c, run.GoexitError(c.span, "boundary "+b.name))
		}
	}()
	if err == nil {
		out, err = b.answer(&c, in)
	}
	answered = true
	if err == nil && !c.fromTape {
		if c.rawOut, err = encodeJSON(out); err != nil {
			err = fmt.Errorf("boundary %s: encode output: %w", b.name, err)
		}
	}
	b.end(ctx, &c, err)
	return out, err
}

// begin encodes the call's input, reserves its position in the run's log
// and starts its span. With the no-op tracer no span is started at all:
// the call's context keeps the caller's span, so whatever the call
// propagates downstream is the caller's. An input that cannot be encoded is
// returned as the call's error, once the call has begun: it is still logged.
func (b *Boundary[In, Out]) begin(ctx context.Context, c *inRunCall, in In) error {
	input, err := marshalArgs(in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	c.input = input
	c.seq, c.entry, c.start = c.run.Begin(b.name, len(input))
	c.ctx, c.span = ctx, noopSpan
	if tr, isNoop := c.run.Tracer(); !isNoop {
		c.ctx, c.span = tr.Start(ctx, b.name, clientKind, trace.WithTimestamp(c.run.TimeAt(c.start)), kindBoundary)
	}
	return err
}

// answer answers the call as its mode says: from the real function (or the
// run's mock), from the run's tape, or both.
func (b *Boundary[In, Out]) answer(c *inRunCall, in In) (out Out, err error) {
	switch c.mode {
	case Proxy:
		return b.invoke(c.ctx, c.run, c.span, in)
	case ProxyPass:
		if out, ok, err := b.fromTape(c); ok {
			return out, err
		}
		return b.invoke(c.ctx, c.run, c.span, in)
	case ProxyCatch:
		out, err = b.invoke(c.ctx, c.run, c.span, in)
		if err != nil {
			if tout, ok, terr := b.fromTape(c); ok {
				return tout, terr
			}
		}
		return out, err
	case Replay:
		if out, ok, err := b.fromTape(c); ok {
			return out, err
		}
		return out, fmt.Errorf("boundary %s: %w for input %s", b.name, ErrNoRecording, c.input)
	default:
		return out, fmt.Errorf("boundary %s: %w: %d", b.name, ErrInvalidMode, int(c.mode))
	}
}

// fromTape answers the call from the next unused recording of its input on
// the run's tape; ok is false when there is none.
func (b *Boundary[In, Out]) fromTape(c *inRunCall) (out Out, ok bool, err error) {
	rec, ok := c.run.Next(b.name, c.input)
	if !ok {
		return out, false, nil
	}
	c.fromTape = true
	out, c.rawOut, err = fromRecording[Out](rec)
	return out, true, err
}

// end logs the finished call in the run (or counts it, when the run omits
// it), ends its span with the attributes of the convention, and records it
// in the run's instruments.
func (b *Boundary[In, Out]) end(ctx context.Context, c *inRunCall, err error) {
	end := c.run.Clock()
	rec := otelrecord.BoundaryRecord{Input: c.input}
	outcome := otelrecord.OutcomeSuccess
	if err != nil {
		rec.Error = err.Error()
		outcome = otelrecord.OutcomeError
	} else {
		rec.Output = c.rawOut
	}
	omitted := c.entry == nil // past the run's limits (see run.Run.Begin)
	if omitted {
		c.run.Omit(b.name, c.start, end)
	} else {
		c.run.Finish(c.entry, rec, c.start, end)
	}
	if _, isNoop := c.run.Tracer(); !isNoop {
		if c.span.IsRecording() {
			if omitted {
				b.setOmittedAttributes(c, &rec, err != nil)
			} else {
				b.setEndAttributes(c, &rec, err != nil)
			}
		}
		c.span.End(trace.WithTimestamp(c.run.TimeAt(end)))
	}
	c.run.Instruments().BoundaryCall(ctx, c.run.TaskName(), b.name, c.mode.String(), outcome, c.fromTape, time.Duration(end-c.start))
}

// callOutside makes a call outside any run: the real function and, unless
// the tracer is the no-op one and ctx has no recording span, a span with the
// call's payloads redacted by run.DefaultRedactor and capped at
// run.PayloadLimit.
func (b *Boundary[In, Out]) callOutside(ctx context.Context, in In) (out Out, err error) {
	tr := b.cfg.tracer()
	if _, isNoop := tr.(noop.Tracer); isNoop && !trace.SpanFromContext(ctx).IsRecording() {
		// Nothing to record and no span to make: just call.
		return b.invoke(ctx, nil, noopSpan, in)
	}
	limit, red := run.PayloadLimit(), run.DefaultRedactor()
	input, err := marshalArgs(in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	start := time.Now()
	cctx, span := tr.Start(ctx, b.name, clientKind, trace.WithTimestamp(start), kindBoundary)
	if span.IsRecording() {
		span.SetAttributes(b.nameAttr, otelrecord.BoundaryInputKey.String(otelrecord.TruncateString(red.Redact(input), limit)))
	}
	var rawOut json.RawMessage
	if err == nil {
		out, err = b.invoke(cctx, nil, span, in)
	}
	if err == nil && span.IsRecording() {
		if rawOut, err = encodeJSON(out); err != nil {
			err = fmt.Errorf("boundary %s: encode output: %w", b.name, err)
		}
	}
	if span.IsRecording() {
		if err != nil {
			msg := err.Error()
			span.SetStatus(codes.Error, msg)
			span.SetAttributes(otelrecord.BoundaryErrorKey.String(msg))
		} else {
			span.SetAttributes(otelrecord.BoundaryOutputKey.String(otelrecord.TruncateString(red.Redact(rawOut), limit)))
		}
	}
	span.End(trace.WithTimestamp(time.Now()))
	return out, err
}

// invoke runs the real function, or the run's mock for this boundary (r may
// be nil: no run), turning a panic into an error recorded on span.
func (b *Boundary[In, Out]) invoke(ctx context.Context, r *run.Run[Mode], span trace.Span, in In) (out Out, err error) {
	fn := b.fn
	if r != nil {
		if m, ok := r.Mock(b.name); ok {
			f, ok := m.(func(context.Context, In) (Out, error))
			if !ok {
				return out, fmt.Errorf("%w: boundary %s wants func(context.Context, %v) (%v, error), got %T",
					ErrMockType, b.name, reflect.TypeFor[In](), reflect.TypeFor[Out](), m)
			}
			fn = f
		}
	}
	if fn == nil {
		return out, fmt.Errorf("boundary %s: no function", b.name)
	}
	defer run.Recover(span, &err)
	return fn(ctx, in)
}

// fromRecording turns a recorded call into the call's result.
func fromRecording[Out any](rec otelrecord.BoundaryRecord) (out Out, raw json.RawMessage, err error) {
	if rec.Error != "" {
		return out, nil, recordedError(rec.Error)
	}
	if len(rec.Output) > 0 {
		if err := json.Unmarshal(rec.Output, &out); err != nil {
			return out, nil, fmt.Errorf("boundary: decode recorded output: %w", err)
		}
	}
	return out, rec.Output, nil
}

// recordedError is an error replayed from a tape: it carries only the
// recorded message.
type recordedError string

func (e recordedError) Error() string { return string(e) }

// fromTapeAttr marks a call answered from the tape.
var fromTapeAttr = otelrecord.BoundaryFromTapeKey.Bool(true)

// kindBoundary is the one attribute a boundary span gets when it starts, so
// that samplers see it (exporter.RecordHiveSpans); the others are written when
// the call ends, in one SetAttributes (see setEndAttributes).
var kindBoundary = trace.WithAttributes(otelrecord.KindKey.String(otelrecord.KindBoundary))

// maxEndAttributes is the most attributes setEndAttributes writes.
const maxEndAttributes = 7

// endAttributes recycles the attribute lists of setEndAttributes: span
// implementations copy what SetAttributes passes them (the SDK does), so a
// call needs no list of its own.
var endAttributes = sync.Pool{New: func() any { return new([maxEndAttributes]attribute.KeyValue) }}

// setEndAttributes writes the attributes of the convention that follow
// hive.kind on the span of a call made in a run, and the span status of a
// failed call.
//
// They are written together at the end because an SDK span grows its
// attribute list on each SetAttributes: one call that brings the list from
// one attribute to its final size costs a fraction of a full list at start
// and a second at the end. hive.boundary.from_tape is written only when true.
// Payloads are redacted by the run's redactor, then capped at its limit.
func (b *Boundary[In, Out]) setEndAttributes(c *inRunCall, rec *otelrecord.BoundaryRecord, failed bool) {
	limit, red := c.run.MaxPayloadBytes(), c.run.Redactor()
	buf := endAttributes.Get().(*[maxEndAttributes]attribute.KeyValue)
	attrs := append(buf[:0], b.nameAttr, c.run.UUIDAttr(),
		otelrecord.BoundarySeqKey.Int(c.seq),
		otelrecord.BoundaryInputKey.String(otelrecord.TruncateString(red.Redact(rec.Input), limit)))
	if c.mode != Proxy { // proxy is what an absent mode means
		attrs = append(attrs, c.mode.attr())
	}
	if failed {
		c.span.SetStatus(codes.Error, rec.Error)
		attrs = append(attrs, otelrecord.BoundaryErrorKey.String(rec.Error))
	} else {
		attrs = append(attrs, otelrecord.BoundaryOutputKey.String(otelrecord.TruncateString(red.Redact(rec.Output), limit)))
	}
	if c.fromTape {
		attrs = append(attrs, fromTapeAttr)
	}
	c.span.SetAttributes(attrs...)
	clear(attrs) // keep no payload alive in the pool
	endAttributes.Put(buf)
}

// omittedAttr marks the span of a call the run omitted.
var omittedAttr = otelrecord.BoundaryOmittedKey.Bool(true)

// setOmittedAttributes writes the attributes of the span of a call its run
// omitted (past the run's limits): the boundary name, hive.boundary.omitted,
// the mode and tape flag, the error of a failed call; no run uuid, sequence
// number or payload, so that no rebuilder counts the call in a record.
func (b *Boundary[In, Out]) setOmittedAttributes(c *inRunCall, rec *otelrecord.BoundaryRecord, failed bool) {
	buf := endAttributes.Get().(*[maxEndAttributes]attribute.KeyValue)
	attrs := append(buf[:0], b.nameAttr, omittedAttr)
	if c.mode != Proxy {
		attrs = append(attrs, c.mode.attr())
	}
	if failed {
		c.span.SetStatus(codes.Error, rec.Error)
		attrs = append(attrs, otelrecord.BoundaryErrorKey.String(rec.Error))
	}
	if c.fromTape {
		attrs = append(attrs, fromTapeAttr)
	}
	c.span.SetAttributes(attrs...)
	clear(attrs)
	endAttributes.Put(buf)
}
