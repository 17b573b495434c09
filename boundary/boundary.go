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
// span's payloads are redacted (task.WithRedactKeys); the log's are not. An
// input or output with no JSON encoding changes nothing of the call: it is
// recorded as null, with a note (see the package doc).
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
	// unencoded says which payloads had no JSON encoding: they are recorded
	// as null, and the call goes on as if they had.
	unencoded run.Unencodable
}

// callInRun makes a call inside run r: begin, answer, encode the output
// (unless the tape gave it), end. An output with no JSON encoding is
// recorded as null and noted; the caller gets it unchanged. A function (or mock) that calls
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
		var eerr error
		if c.rawOut, eerr = encodeJSON(out); eerr != nil {
			c.rawOut, c.unencoded.Output = nullJSON, eerr.Error()
		}
	}
	b.end(ctx, &c, err)
	return out, err
}

// nullJSON is what a payload with no JSON encoding is recorded as.
var nullJSON = json.RawMessage("null")

// begin encodes the call's input, reserves its position in the run's log
// and starts its span. With the no-op tracer no span is started at all:
// the call's context keeps the caller's span, so whatever the call
// propagates downstream is the caller's. An input that cannot be encoded is
// logged as [null] and noted; the call goes on. Only Replay mode fails such
// a call, as its input cannot be looked up on the tape (ErrUnencodableInput).
func (b *Boundary[In, Out]) begin(ctx context.Context, c *inRunCall, in In) (err error) {
	input, eerr := marshalArgs(in)
	if eerr != nil {
		c.unencoded.Input = eerr.Error()
		if c.mode == Replay {
			err = fmt.Errorf("boundary %s: %w: %s", b.name, ErrUnencodableInput, c.unencoded.Input)
		}
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
// the run's tape; ok is false when there is none, or when the input had no
// JSON encoding (it cannot be looked up). A recording whose output had no
// JSON encoding answers with an error wrapping ErrUnencodableRecording.
func (b *Boundary[In, Out]) fromTape(c *inRunCall) (out Out, ok bool, err error) {
	if c.unencoded.Input != "" {
		return out, false, nil
	}
	rec, unencodable, ok := c.run.Next(b.name, c.input)
	if !ok {
		return out, false, nil
	}
	c.fromTape = true
	if unencodable != "" {
		return out, true, fmt.Errorf("boundary %s: %w: %s", b.name, ErrUnencodableRecording, unencodable)
	}
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
		c.run.Finish(c.entry, rec, c.unencoded, c.start, end)
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
// run.PayloadLimit. A payload with no JSON encoding is null on the span,
// with the reason in otelrecord.BoundaryUnencodableKey.
func (b *Boundary[In, Out]) callOutside(ctx context.Context, in In) (out Out, err error) {
	tr := b.cfg.tracer()
	if _, isNoop := tr.(noop.Tracer); isNoop && !trace.SpanFromContext(ctx).IsRecording() {
		// Nothing to record and no span to make: just call.
		return b.invoke(ctx, nil, noopSpan, in)
	}
	limit, red := run.PayloadLimit(), run.DefaultRedactor()
	start := time.Now()
	cctx, span := tr.Start(ctx, b.name, clientKind, trace.WithTimestamp(start), kindBoundary)
	var u run.Unencodable
	if span.IsRecording() {
		input, eerr := marshalArgs(in)
		if eerr != nil {
			u.Input = eerr.Error()
		}
		span.SetAttributes(b.nameAttr, otelrecord.BoundaryInputKey.String(otelrecord.TruncateString(red.Redact(input), limit)))
	}
	out, err = b.invoke(cctx, nil, span, in)
	if span.IsRecording() {
		if err != nil {
			msg := err.Error()
			span.SetStatus(codes.Error, msg)
			span.SetAttributes(otelrecord.BoundaryErrorKey.String(msg))
		} else {
			rawOut, eerr := encodeJSON(out)
			if eerr != nil {
				rawOut, u.Output = nullJSON, eerr.Error()
			}
			span.SetAttributes(otelrecord.BoundaryOutputKey.String(otelrecord.TruncateString(red.Redact(rawOut), limit)))
		}
		if u != (run.Unencodable{}) {
			span.SetAttributes(unencodableAttr(u))
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
const maxEndAttributes = 8

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
	if c.unencoded != (run.Unencodable{}) {
		attrs = append(attrs, unencodableAttr(c.unencoded))
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

// unencodableAttr is the otelrecord.BoundaryUnencodableKey attribute of a
// call with payloads that had no JSON encoding: "input: <error>",
// "output: <error>", or both, separated by "; ".
func unencodableAttr(u run.Unencodable) attribute.KeyValue {
	var v string
	if u.Input != "" {
		v = otelrecord.UnencodableInput + ": " + u.Input
	}
	if u.Output != "" {
		if v != "" {
			v += "; "
		}
		v += otelrecord.UnencodableOutput + ": " + u.Output
	}
	return otelrecord.BoundaryUnencodableKey.String(v)
}
