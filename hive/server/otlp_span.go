package server

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// runSpan is a span of the convention that belongs to a run: a task-run
// span or a boundary span with a run uuid.
type runSpan struct {
	project otlpProject
	run     string // hive.run.uuid
	task    bool   // a task-run span; a boundary span otherwise
	id      trace.SpanID
	// want is what a task-run span announces: the number of boundary spans
	// of its run (0 when its input was invalid), -1 when it does not say.
	want int64
	span otelrecord.Span
	src  otlpSpan
}

// errNoRun reports a span of the convention that belongs to no record: a
// boundary call made outside any run, or past its run's bound.
var errNoRun = errors.New("span belongs to no run")

// readRunSpan decodes a span of the convention and checks what assembling
// its run relies on. It fails with errNoRun for a boundary span that belongs
// to no run, and with an error saying why for a span it refuses.
func readRunSpan(p otlpProject, src otlpSpan) (runSpan, error) {
	rs := runSpan{project: p, src: src, want: -1}
	var ok bool
	if src.msg == nil {
		rs.span, ok = decodeSpan(src.raw)
	}
	if !ok {
		msg := src.msg
		if msg == nil {
			msg = new(tracepb.Span)
			if err := proto.Unmarshal(src.raw, msg); err != nil {
				return runSpan{}, fmt.Errorf("span does not decode: %w", err)
			}
		}
		rs.span = otlpspan.Span(msg)
	}
	rs.id = rs.span.SpanID
	if err := rs.read(); err != nil {
		if rs.id.IsValid() {
			return runSpan{}, fmt.Errorf("span %s: %w", rs.id, err)
		}
		return runSpan{}, fmt.Errorf("span: %w", err)
	}
	return rs, nil
}

// read checks what assembling the span's run relies on.
func (rs *runSpan) read() error {
	var kind, run *attribute.Value
	var omitted bool
	for i := range rs.span.Attributes {
		kv := &rs.span.Attributes[i]
		switch kv.Key {
		case otelrecord.KindKey:
			if kind == nil {
				kind = &kv.Value
			}
		case otelrecord.RunUUIDKey:
			if run == nil {
				run = &kv.Value
			}
		case otelrecord.BoundaryOmittedKey:
			omitted = kv.Value.Type() == attribute.BOOL && kv.Value.AsBool()
		}
	}
	switch {
	case kind == nil || kind.Type() != attribute.STRING:
		return fmt.Errorf("%s is not a string", otelrecord.KindKey)
	case kind.AsString() == otelrecord.KindTask:
		rs.task = true
	case kind.AsString() == otelrecord.KindBoundary:
		if omitted || run == nil {
			return errNoRun
		}
	default:
		return fmt.Errorf("%s %q is neither %q nor %q", otelrecord.KindKey, truncate(kind.AsString(), 64),
			otelrecord.KindTask, otelrecord.KindBoundary)
	}
	if run == nil {
		return fmt.Errorf("task-run span without %s", otelrecord.RunUUIDKey)
	}
	if run.Type() != attribute.STRING {
		return fmt.Errorf("%s is not a string", otelrecord.RunUUIDKey)
	}
	rs.run = run.AsString()
	if err := checkID(string(otelrecord.RunUUIDKey), rs.run, false); err != nil {
		return err
	}
	if !rs.id.IsValid() {
		return errors.New("span id is not 8 bytes, or zero")
	}
	if rs.task {
		return readTaskSpan(rs)
	}
	return nil
}

// readTaskSpan checks a task-run span's name and reads how many boundary
// spans it announces.
func readTaskSpan(rs *runSpan) error {
	var name *attribute.Value
	for i := range rs.span.Attributes {
		kv := &rs.span.Attributes[i]
		switch kv.Key {
		case otelrecord.TaskNameKey:
			if name == nil {
				name = &kv.Value
			}
		case otelrecord.TaskBoundaryCallsKey:
			if kv.Value.Type() != attribute.INT64 || kv.Value.AsInt64() < 0 {
				return fmt.Errorf("%s is not a count", otelrecord.TaskBoundaryCallsKey)
			}
			if rs.want != 0 {
				rs.want = kv.Value.AsInt64()
			}
		case otelrecord.TaskInvalidInputKey:
			if kv.Value.Type() == attribute.BOOL && kv.Value.AsBool() {
				rs.want = 0
			}
		}
	}
	if name == nil || name.Type() != attribute.STRING {
		return fmt.Errorf("%s is not a string", otelrecord.TaskNameKey)
	}
	if err := checkName(string(otelrecord.TaskNameKey), name.AsString()); err != nil {
		return err
	}
	return checkRoutable(string(otelrecord.TaskNameKey), name.AsString())
}
