package otlpspan

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ProtoSpan describes s as an OTLP span: the reverse of Span, which gives s
// back (attribute sets, events, ids, times to the nanosecond, status), so
// the record rebuilt from either is the same. What otelrecord.Span does not
// hold (span kind, trace state, flags, links) is left unset for the caller
// to fill.
//
// Protobuf strings must be valid UTF-8: every string is made so as
// encoding/json makes the strings of a record, each invalid byte becoming
// U+FFFD, so a record's JSON is the same whether it was rebuilt from the
// span or from s. Zero ids are left out, a zero time is 0 (unset), and the
// status is set only when its code is not Unset or it has a message.
func ProtoSpan(s otelrecord.Span) *tracepb.Span {
	out := &tracepb.Span{
		Name:              ValidString(s.Name),
		StartTimeUnixNano: unixNano(s.StartTime),
		EndTimeUnixNano:   unixNano(s.EndTime),
		Attributes:        ProtoKeyValues(s.Attributes),
	}
	if s.TraceID.IsValid() {
		out.TraceId = append([]byte(nil), s.TraceID[:]...)
	}
	if s.SpanID.IsValid() {
		out.SpanId = append([]byte(nil), s.SpanID[:]...)
	}
	if s.ParentSpanID.IsValid() {
		out.ParentSpanId = append([]byte(nil), s.ParentSpanID[:]...)
	}
	if s.StatusCode != codes.Unset || s.StatusMessage != "" {
		out.Status = &tracepb.Status{Code: ProtoStatusCode(s.StatusCode), Message: ValidString(s.StatusMessage)}
	}
	if len(s.Events) > 0 {
		out.Events = make([]*tracepb.Span_Event, len(s.Events))
		for i, e := range s.Events {
			out.Events[i] = &tracepb.Span_Event{
				Name:         ValidString(e.Name),
				TimeUnixNano: unixNano(e.Time),
				Attributes:   ProtoKeyValues(e.Attributes),
			}
		}
	}
	return out
}

// ProtoKeyValues describes attributes as OTLP key-values, in the same order;
// nil for none. Every kind of attribute.Value is carried: scalars, typed
// slices and SLICE as arrays, byte slices as bytes, MAP as a key-value list.
// An EMPTY value becomes an AnyValue without a value, which Span drops.
func ProtoKeyValues(attrs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, len(attrs))
	for i, kv := range attrs {
		out[i] = &commonpb.KeyValue{Key: ValidString(string(kv.Key)), Value: ProtoValue(kv.Value)}
	}
	return out
}

// ProtoValue describes one attribute value as an OTLP AnyValue (see
// ProtoKeyValues). An empty typed slice becomes an empty array, which Span
// reads back as an empty string slice.
func ProtoValue(v attribute.Value) *commonpb.AnyValue {
	switch v.Type() {
	case attribute.BOOL:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}}
	case attribute.INT64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}}
	case attribute.FLOAT64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}}
	case attribute.STRING:
		return stringValue(v.AsString())
	case attribute.BOOLSLICE:
		return array(v.AsBoolSlice(), func(b bool) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		return array(v.AsInt64Slice(), func(n int64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
		})
	case attribute.FLOAT64SLICE:
		return array(v.AsFloat64Slice(), func(f float64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	case attribute.STRINGSLICE:
		return array(v.AsStringSlice(), stringValue)
	case attribute.BYTESLICE:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}}
	case attribute.SLICE:
		return array(v.AsSlice(), ProtoValue)
	case attribute.MAP:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: ProtoKeyValues(v.AsMap())}}}
	default:
		return &commonpb.AnyValue{}
	}
}

func stringValue(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: ValidString(s)}}
}

func array[T any](elems []T, conv func(T) *commonpb.AnyValue) *commonpb.AnyValue {
	vals := make([]*commonpb.AnyValue, len(elems))
	for i, e := range elems {
		vals[i] = conv(e)
	}
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}}
}

// ProtoStatusCode maps the Go API's status code to OTLP's.
func ProtoStatusCode(c codes.Code) tracepb.Status_StatusCode {
	switch c {
	case codes.Ok:
		return tracepb.Status_STATUS_CODE_OK
	case codes.Error:
		return tracepb.Status_STATUS_CODE_ERROR
	default:
		return tracepb.Status_STATUS_CODE_UNSET
	}
}

// unixNano is t in OTLP Unix nanoseconds: 0 for the zero time and times
// before 1970, clamped at the int64 range.
func unixNano(t time.Time) uint64 {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return 0
	}
	if t.After(time.Unix(0, math.MaxInt64)) {
		return math.MaxInt64
	}
	return uint64(t.UnixNano())
}

// ValidString returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json writes strings: the rule by which
// ProtoSpan makes the strings of a span valid protobuf strings, for an
// encoder that writes OTLP on its own. It returns s itself when s is valid.
func ValidString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*utf8.UTFMax)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
