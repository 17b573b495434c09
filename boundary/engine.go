package boundary

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// engine is the one implementation of boundaries of every arity. Args is
// what a call passes: the argument itself for a one-argument Boundary, a
// tuple of the arguments (args0, args2, args3) for the others. Everything an
// arity changes is in its shape: how the arguments encode to the recorded
// JSON array, and which mock function type stands in for fn.
type engine[Args, Out any] struct {
	name     string
	fn       func(context.Context, Args) (Out, error)
	cfg      config
	nameAttr attribute.KeyValue
	shape    *shape[Args, Out]
}

// newEngine returns the engine of a boundary named name around fn (nil: every
// real call fails).
func newEngine[Args, Out any](name string, fn func(context.Context, Args) (Out, error), s *shape[Args, Out], opts []Option) engine[Args, Out] {
	return engine[Args, Out]{
		name:     name,
		fn:       fn,
		cfg:      newConfig(opts),
		nameAttr: otelrecord.BoundaryNameKey.String(name),
		shape:    s,
	}
}

// call is the Call of every boundary type: inside a run when ctx belongs to
// one, outside otherwise.
func (e *engine[Args, Out]) call(ctx context.Context, in Args) (Out, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if r := run.FromContext[Mode](ctx); r != nil {
		return e.callInRun(ctx, r, in)
	}
	return e.callOutside(ctx, in)
}

var (
	clientKind            = trace.WithSpanKind(trace.SpanKindClient)
	noopSpan   trace.Span = noop.Span{}
)

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
// recorded as null and noted; the caller gets it unchanged. A function (or
// mock) that calls runtime.Goexit, as t.FailNow does, still ends the call,
// as a failure wrapping run.ErrGoexit, on its goroutine's way out.
func (e *engine[Args, Out]) callInRun(ctx context.Context, r *run.Run[Mode], in Args) (out Out, err error) {
	c := inRunCall{run: r, mode: r.Mode(e.name)}
	err = e.begin(ctx, &c, in)
	answered := false
	defer func() {
		if !answered { // answer recovers panics: the function called runtime.Goexit
			e.end(ctx, &c, run.GoexitError(c.span, "boundary "+e.name))
		}
	}()
	if err == nil {
		out, err = e.answer(&c, in)
	}
	answered = true
	if err == nil && !c.fromTape {
		var eerr error
		if c.rawOut, eerr = encodeJSON(out); eerr != nil {
			c.rawOut, c.unencoded.Output = nullJSON, eerr.Error()
		}
	}
	e.end(ctx, &c, err)
	return out, err
}

// nullJSON is what a payload with no JSON encoding is recorded as.
var nullJSON = json.RawMessage("null")

// begin encodes the call's input, reserves its position in the run's log
// and starts its span. With the no-op tracer no span is started at all:
// the call's context keeps the caller's span, so whatever the call
// propagates downstream is the caller's. An argument that cannot be encoded
// is logged as null in its place ([null] for a one-argument boundary) and
// noted; the call goes on. Only Replay mode fails such
// a call, as its input cannot be looked up on the tape (ErrUnencodableInput).
func (e *engine[Args, Out]) begin(ctx context.Context, c *inRunCall, in Args) (err error) {
	input, eerr := e.shape.encode(in)
	if eerr != nil {
		c.unencoded.Input = eerr.Error()
		if c.mode == Replay {
			err = fmt.Errorf("boundary %s: %w: %s", e.name, ErrUnencodableInput, c.unencoded.Input)
		}
	}
	c.input = input
	c.seq, c.entry, c.start = c.run.Begin(e.name, len(input))
	c.ctx, c.span = ctx, noopSpan
	if tr, isNoop := c.run.Tracer(); !isNoop {
		c.ctx, c.span = tr.Start(ctx, e.name, clientKind, trace.WithTimestamp(c.run.TimeAt(c.start)), kindBoundary)
	}
	return err
}

// answer answers the call as its mode says: from the real function (or the
// run's mock), from the run's tape, or both.
func (e *engine[Args, Out]) answer(c *inRunCall, in Args) (out Out, err error) {
	switch c.mode {
	case Proxy:
		return e.invoke(c.ctx, c.run, c.span, in)
	case ProxyPass:
		if out, ok, err := e.fromTape(c); ok {
			return out, err
		}
		return e.invoke(c.ctx, c.run, c.span, in)
	case ProxyCatch:
		out, err = e.invoke(c.ctx, c.run, c.span, in)
		if err != nil {
			if tout, ok, terr := e.fromTape(c); ok {
				return tout, terr
			}
		}
		return out, err
	case Replay:
		if out, ok, err := e.fromTape(c); ok {
			return out, err
		}
		return out, e.noRecording(c)
	default:
		return out, fmt.Errorf("boundary %s: %w: %d", e.name, ErrInvalidMode, int(c.mode))
	}
}

// fromTape answers the call from the next unused recording of its input on
// the run's tape; ok is false when there is none, or when the input had no
// JSON encoding (it cannot be looked up). A recording whose output had no
// JSON encoding answers with an error wrapping ErrUnencodableRecording.
func (e *engine[Args, Out]) fromTape(c *inRunCall) (out Out, ok bool, err error) {
	if c.unencoded.Input != "" {
		return out, false, nil
	}
	rec, unencodable, ok := c.run.Next(e.name, c.input)
	if !ok {
		return out, false, nil
	}
	c.fromTape = true
	if unencodable != "" {
		return out, true, fmt.Errorf("boundary %s: %w: %s", e.name, ErrUnencodableRecording, unencodable)
	}
	out, c.rawOut, err = fromRecording[Out](rec)
	return out, true, err
}

// noRecording is the error of a Replay-mode call the tape has no recording
// for. When the tape holds recordings of the boundary, but none with as many
// arguments as the call, the error says so and wraps ErrArgCount too.
func (e *engine[Args, Out]) noRecording(c *inRunCall) error {
	counts := c.run.RecordedArgCounts(e.name)
	if len(counts) == 0 || slices.Contains(counts, e.shape.n) {
		return fmt.Errorf("boundary %s: %w for input %s", e.name, ErrNoRecording, c.input)
	}
	return fmt.Errorf("boundary %s: %w for input %s: %w: the boundary takes %s, its recorded inputs have %s",
		e.name, ErrNoRecording, c.input, ErrArgCount, countArgs(e.shape.n), describeArgCounts(counts))
}

// countArgs returns "1 argument" or "<n> arguments".
func countArgs(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return strconv.Itoa(n) + " arguments"
}

// describeArgCounts describes the argument counts of recorded inputs (see
// run.Tape.ArgCounts): "2 arguments", "0 or 3 arguments", "1 argument or a
// value that is not an array".
func describeArgCounts(counts []int) string {
	var ns []string
	notArray := false
	for _, n := range counts {
		if n == run.NotAnArray {
			notArray = true
			continue
		}
		ns = append(ns, strconv.Itoa(n))
	}
	var s string
	if len(ns) > 0 {
		s = strings.Join(ns, " or ") + " argument"
		if len(ns) > 1 || ns[0] != "1" {
			s += "s"
		}
	}
	if notArray {
		if s != "" {
			s += " or "
		}
		s += "a value that is not an array"
	}
	return s
}

// end logs the finished call in the run (or counts it, when the run omits
// it), ends its span with the attributes of the convention, and records it
// in the run's instruments.
func (e *engine[Args, Out]) end(ctx context.Context, c *inRunCall, err error) {
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
		c.run.Omit(e.name, c.start, end)
	} else {
		c.run.Finish(c.entry, rec, c.unencoded, c.start, end)
	}
	if _, isNoop := c.run.Tracer(); !isNoop {
		if c.span.IsRecording() {
			if omitted {
				e.setOmittedAttributes(c, &rec, err != nil)
			} else {
				e.setEndAttributes(c, &rec, err != nil)
			}
		}
		c.span.End(trace.WithTimestamp(c.run.TimeAt(end)))
	}
	c.run.Instruments().BoundaryCall(ctx, c.run.TaskName(), e.name, c.mode.String(), outcome, c.fromTape, time.Duration(end-c.start))
}

// callOutside makes a call outside any run: the real function and, unless
// the tracer is the no-op one and ctx has no recording span, a span with the
// call's payloads redacted by run.DefaultRedactor and capped at
// run.PayloadLimit. A payload with no JSON encoding is null on the span,
// with the reason in otelrecord.BoundaryUnencodableKey.
func (e *engine[Args, Out]) callOutside(ctx context.Context, in Args) (out Out, err error) {
	tr := e.cfg.tracer()
	if _, isNoop := tr.(noop.Tracer); isNoop && !trace.SpanFromContext(ctx).IsRecording() {
		// Nothing to record and no span to make: just call.
		return e.invoke(ctx, nil, noopSpan, in)
	}
	limit, red := run.PayloadLimit(), run.DefaultRedactor()
	start := time.Now()
	cctx, span := tr.Start(ctx, e.name, clientKind, trace.WithTimestamp(start), kindBoundary)
	var u run.Unencodable
	if span.IsRecording() {
		input, eerr := e.shape.encode(in)
		if eerr != nil {
			u.Input = eerr.Error()
		}
		span.SetAttributes(e.nameAttr, otelrecord.BoundaryInputKey.String(otelrecord.TruncateString(red.Redact(input), limit)))
	}
	out, err = e.invoke(cctx, nil, span, in)
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
func (e *engine[Args, Out]) invoke(ctx context.Context, r *run.Run[Mode], span trace.Span, in Args) (out Out, err error) {
	fn := e.fn
	if r != nil {
		if m, ok := r.Mock(e.name); ok {
			f, ok := e.shape.mock(m)
			if !ok {
				return out, fmt.Errorf("%w: boundary %s wants %s, got %T", ErrMockType, e.name, e.shape.signature(), m)
			}
			fn = f
		}
	}
	if fn == nil {
		return out, fmt.Errorf("boundary %s: no function", e.name)
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
func (e *engine[Args, Out]) setEndAttributes(c *inRunCall, rec *otelrecord.BoundaryRecord, failed bool) {
	limit, red := c.run.MaxPayloadBytes(), c.run.Redactor()
	buf := endAttributes.Get().(*[maxEndAttributes]attribute.KeyValue)
	attrs := append(buf[:0], e.nameAttr, c.run.UUIDAttr(),
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
func (e *engine[Args, Out]) setOmittedAttributes(c *inRunCall, rec *otelrecord.BoundaryRecord, failed bool) {
	buf := endAttributes.Get().(*[maxEndAttributes]attribute.KeyValue)
	attrs := append(buf[:0], e.nameAttr, omittedAttr)
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
