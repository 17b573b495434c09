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
// task run (see ContextWithRun), the call runs in the run's mode for this
// boundary, uses the run's mock if any, and is appended to the run's log with
// its input and output snapshotted as JSON at call time. Outside any run the
// real function is called and nothing is recorded.
//
// A panic in the function is recovered and returned as an error wrapping
// ErrPanic; the stack is kept in an "exception" event of the span. Call is
// safe for concurrent use, also by many goroutines of one run.
func (b *Boundary[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if run := RunFromContext(ctx); run != nil {
		return b.callInRun(ctx, run, in)
	}
	return b.callOutside(ctx, in)
}

func (b *Boundary[In, Out]) callInRun(ctx context.Context, run *Run, in In) (out Out, err error) {
	mode := run.Mode(b.name)
	input, err := marshalArgs(&run.payloads, in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	seq, slot, start := run.begin(b.name)

	// With the no-op tracer no span is started at all: ctx keeps its span,
	// so whatever the call propagates downstream is the caller's.
	cctx, span := ctx, noopSpan
	if !run.noopTracer {
		cctx, span = run.tracer.Start(ctx, b.name, clientKind, trace.WithTimestamp(run.timeAt(start)), kindBoundary)
	}

	var (
		rawOut   json.RawMessage
		fromTape bool
	)
	if err == nil {
		switch mode {
		case Proxy:
			out, err = b.invoke(cctx, run, span, in)
		case ProxyPass:
			if rec, ok := run.next(b.name, input); ok {
				fromTape = true
				out, rawOut, err = fromRecording[Out](rec)
			} else {
				out, err = b.invoke(cctx, run, span, in)
			}
		case ProxyCatch:
			out, err = b.invoke(cctx, run, span, in)
			if err != nil {
				if rec, ok := run.next(b.name, input); ok {
					fromTape = true
					out, rawOut, err = fromRecording[Out](rec)
				}
			}
		case Replay:
			if rec, ok := run.next(b.name, input); ok {
				fromTape = true
				out, rawOut, err = fromRecording[Out](rec)
			} else {
				err = fmt.Errorf("boundary %s: %w for input %s", b.name, ErrNoRecording, input)
			}
		default:
			err = fmt.Errorf("boundary %s: %w: %d", b.name, ErrInvalidMode, int(mode))
		}
	}
	if err == nil && !fromTape {
		if rawOut, err = encodeJSON(&run.payloads, out); err != nil {
			err = fmt.Errorf("boundary %s: encode output: %w", b.name, err)
		}
	}

	end := run.clock()
	rec := otelrecord.BoundaryRecord{Input: input}
	outcome := "success"
	if err != nil {
		rec.Error = err.Error()
		outcome = "error"
	} else {
		rec.Output = rawOut
	}
	run.finish(slot, rec, start, end)
	if !run.noopTracer {
		if span.IsRecording() {
			b.setEndAttributes(span, run, seq, mode, &rec, err != nil, fromTape)
		}
		span.End(trace.WithTimestamp(run.timeAt(end)))
	}
	run.inst.BoundaryCall(ctx, run.taskName, b.name, mode.String(), outcome, fromTape, time.Duration(end-start))
	return out, err
}

func (b *Boundary[In, Out]) callOutside(ctx context.Context, in In) (out Out, err error) {
	tr := b.cfg.tracer()
	if _, isNoop := tr.(noop.Tracer); isNoop && !trace.SpanFromContext(ctx).IsRecording() {
		// Nothing to record and no span to make: just call.
		return b.invoke(ctx, nil, noopSpan, in)
	}
	input, err := marshalArgs(nil, in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	start := time.Now()
	cctx, span := tr.Start(ctx, b.name, clientKind, trace.WithTimestamp(start), kindBoundary)
	if span.IsRecording() {
		span.SetAttributes(b.nameAttr,
			otelrecord.BoundaryInputKey.String(payloadString(input, otelrecord.DefaultMaxPayloadBytes)))
	}
	var rawOut json.RawMessage
	if err == nil {
		out, err = b.invoke(cctx, nil, span, in)
	}
	if err == nil && span.IsRecording() {
		if rawOut, err = encodeJSON(nil, out); err != nil {
			err = fmt.Errorf("boundary %s: encode output: %w", b.name, err)
		}
	}
	if span.IsRecording() {
		if err != nil {
			msg := err.Error()
			span.SetStatus(codes.Error, msg)
			span.SetAttributes(otelrecord.BoundaryErrorKey.String(msg))
		} else {
			span.SetAttributes(otelrecord.BoundaryOutputKey.String(payloadString(rawOut, otelrecord.DefaultMaxPayloadBytes)))
		}
	}
	span.End(trace.WithTimestamp(time.Now()))
	return out, err
}

// invoke runs the real function, or the run's mock for this boundary,
// turning a panic into an error.
func (b *Boundary[In, Out]) invoke(ctx context.Context, run *Run, span trace.Span, in In) (out Out, err error) {
	fn := b.fn
	if run != nil && run.mocks != nil {
		if m, ok := run.mocks[b.name]; ok {
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
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
			span.RecordError(err, trace.WithStackTrace(true))
		}
	}()
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
// hive.kind on the boundary span of a call made in run, and the span status
// of a failed call.
//
// They are written together at the end because an SDK span grows its
// attribute list on each SetAttributes: one call that brings the list from
// one attribute to its final size costs a fraction of a full list at start
// and a second at the end. hive.boundary.from_tape is written only when true.
func (b *Boundary[In, Out]) setEndAttributes(span trace.Span, run *Run, seq int, mode Mode, rec *otelrecord.BoundaryRecord, failed, fromTape bool) {
	buf := endAttributes.Get().(*[maxEndAttributes]attribute.KeyValue)
	attrs := append(buf[:0], b.nameAttr, run.uuidAttr,
		otelrecord.BoundarySeqKey.Int(seq),
		otelrecord.BoundaryInputKey.String(payloadString(rec.Input, run.maxPayload)))
	if mode != Proxy { // proxy is what an absent mode means
		attrs = append(attrs, mode.attr())
	}
	if failed {
		span.SetStatus(codes.Error, rec.Error)
		attrs = append(attrs, otelrecord.BoundaryErrorKey.String(rec.Error))
	} else {
		attrs = append(attrs, otelrecord.BoundaryOutputKey.String(payloadString(rec.Output, run.maxPayload)))
	}
	if fromTape {
		attrs = append(attrs, fromTapeAttr)
	}
	span.SetAttributes(attrs...)
	clear(attrs) // keep no payload alive in the pool
	endAttributes.Put(buf)
}

// payloadString returns the payload as attribute text, truncated to max bytes
// (max < 0: no limit).
func payloadString(p []byte, max int) string {
	p, _ = otelrecord.Truncate(p, max)
	return string(p)
}

// panicError turns a recovered panic value into an error wrapping ErrPanic
// (and the value, when it is an error).
func panicError(r any) error {
	if e, ok := r.(error); ok {
		return fmt.Errorf("%w: %w", ErrPanic, e)
	}
	return fmt.Errorf("%w: %v", ErrPanic, r)
}
