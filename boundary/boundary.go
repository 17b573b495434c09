package boundary

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
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
	kindAttr attribute.KeyValue
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
		kindAttr: otelrecord.KindKey.String(otelrecord.KindBoundary),
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
	input, err := marshalArgs(in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	seq, start := run.begin()

	cctx, span, started := ctx, noopSpan, false
	if !run.noopTracer || trace.SpanFromContext(ctx).IsRecording() {
		started = true
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, b.kindAttr, b.nameAttr, run.uuidAttr,
			otelrecord.BoundarySeqKey.Int(seq),
			otelrecord.BoundaryInputKey.String(payloadString(input, run.maxPayload)))
		if mode != Proxy { // proxy is what an absent mode means
			attrs = append(attrs, mode.attr())
		}
		cctx, span = run.tracer.Start(ctx, b.name, clientKind, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
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
		if rawOut, err = encodeJSON(out); err != nil {
			err = fmt.Errorf("boundary %s: encode output: %w", b.name, err)
		}
	}

	end := time.Now()
	rec := otelrecord.BoundaryRecord{Input: input}
	outcome := "success"
	if err != nil {
		rec.Error = err.Error()
		outcome = "error"
	} else {
		rec.Output = rawOut
	}
	run.finish(seq, b.name, rec, otelrecord.TimingOf(start, end))
	endSpan(span, started, rec.Output, rec.Error, err != nil, fromTape, run.maxPayload, end)
	run.inst.BoundaryCall(ctx, run.taskName, b.name, mode.String(), outcome, fromTape, end.Sub(start))
	return out, err
}

func (b *Boundary[In, Out]) callOutside(ctx context.Context, in In) (out Out, err error) {
	tr := b.cfg.tracer()
	if _, isNoop := tr.(noop.Tracer); isNoop && !trace.SpanFromContext(ctx).IsRecording() {
		// Nothing to record and no span to make: just call.
		return b.invoke(ctx, nil, noopSpan, in)
	}
	input, err := marshalArgs(in)
	if err != nil {
		err = fmt.Errorf("boundary %s: encode input: %w", b.name, err)
	}
	start := time.Now()
	cctx, span := tr.Start(ctx, b.name, clientKind, trace.WithTimestamp(start))
	if span.IsRecording() {
		span.SetAttributes(b.kindAttr, b.nameAttr,
			otelrecord.BoundaryInputKey.String(payloadString(input, otelrecord.DefaultMaxPayloadBytes)))
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
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	endSpan(span, true, rawOut, msg, err != nil, false, otelrecord.DefaultMaxPayloadBytes, time.Now())
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

// endSpan writes the end-time attributes in one call and ends the span if it
// was started. hive.boundary.from_tape is written only when true.
func endSpan(span trace.Span, started bool, out []byte, msg string, failed, fromTape bool, maxPayload int, end time.Time) {
	if span.IsRecording() {
		var kv attribute.KeyValue
		if failed {
			kv = otelrecord.BoundaryErrorKey.String(msg)
			span.SetStatus(codes.Error, msg)
		} else {
			kv = otelrecord.BoundaryOutputKey.String(payloadString(out, maxPayload))
		}
		if fromTape {
			span.SetAttributes(kv, fromTapeAttr)
		} else {
			span.SetAttributes(kv)
		}
	}
	if started {
		span.End(trace.WithTimestamp(end))
	}
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
