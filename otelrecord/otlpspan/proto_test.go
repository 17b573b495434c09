package otlpspan_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// roundTrip encodes spans as OTLP protobuf with ProtoSpan, marshals and
// unmarshals them as a receiver would, and describes them again with Spans.
func roundTrip(t *testing.T, spans []otelrecord.Span) []otelrecord.Span {
	t.Helper()
	ss := &tracepb.ScopeSpans{}
	for _, s := range spans {
		ss.Spans = append(ss.Spans, otlpspan.ProtoSpan(s))
	}
	data, err := proto.Marshal(&tracepb.TracesData{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{ss}}}})
	require.NoError(t, err, "the encoding is valid protobuf")
	var td tracepb.TracesData
	require.NoError(t, proto.Unmarshal(data, &td))
	return otlpspan.Spans(td.GetResourceSpans())
}

// The spans of a run go through OTLP protobuf and come back the same: ids,
// times to the nanosecond, status, events, attributes; the records rebuilt
// from both are equal.
func TestProtoSpanRoundTripsSDKSpans(t *testing.T) {
	want := sdkspan.Spans(runSpans(t))
	got := roundTrip(t, want)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].TraceID, got[i].TraceID)
		assert.Equal(t, want[i].SpanID, got[i].SpanID)
		assert.Equal(t, want[i].ParentSpanID, got[i].ParentSpanID)
		assert.Equal(t, want[i].Name, got[i].Name)
		assert.Equal(t, want[i].StartTime.UnixNano(), got[i].StartTime.UnixNano())
		assert.Equal(t, want[i].EndTime.UnixNano(), got[i].EndTime.UnixNano())
		assert.Equal(t, want[i].StatusCode, got[i].StatusCode)
		assert.Equal(t, want[i].StatusMessage, got[i].StatusMessage)
		assert.Equal(t, attribute.NewSet(want[i].Attributes...), attribute.NewSet(got[i].Attributes...))
		require.Len(t, got[i].Events, len(want[i].Events))
		for j, e := range want[i].Events {
			assert.Equal(t, e.Name, got[i].Events[j].Name)
			assert.Equal(t, e.Time.UnixNano(), got[i].Events[j].Time.UnixNano())
			assert.Equal(t, attribute.NewSet(e.Attributes...), attribute.NewSet(got[i].Events[j].Attributes...))
		}
	}
	assert.JSONEq(t, recordJSON(t, want), recordJSON(t, got))
}

// Every kind of attribute value survives the round trip; the lossy cases
// are the documented ones.
func TestProtoValueRoundTripsEveryKind(t *testing.T) {
	attrs := []attribute.KeyValue{
		attribute.Bool("bool", true),
		attribute.Int64("int", -42),
		attribute.Float64("float", 2.5),
		attribute.String("string", `{"a":"héllo 🌍"}`),
		attribute.BoolSlice("bools", []bool{true, false}),
		attribute.Int64Slice("ints", []int64{1, 2, 3}),
		attribute.Float64Slice("floats", []float64{0.5, 1e300}),
		attribute.StringSlice("strings", []string{"fetchUser", "clock"}),
		{Key: "bytes", Value: attribute.ByteSliceValue([]byte{0, 1, 0xff})},
		{Key: "mixed", Value: attribute.SliceValue(attribute.StringValue("a"), attribute.Int64Value(1))},
		{Key: "map", Value: attribute.MapValue(attribute.String("k", "v"), attribute.Int64("n", 1))},
	}
	span := otelrecord.Span{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		Name:       "all",
		StartTime:  time.Unix(1795633372, 498123456),
		EndTime:    time.Unix(1795633372, 498123457),
		Attributes: attrs,
		StatusCode: codes.Ok,
	}
	got := roundTrip(t, []otelrecord.Span{span})
	require.Len(t, got, 1)
	assert.Equal(t, attribute.NewSet(attrs...), attribute.NewSet(got[0].Attributes...))
	assert.False(t, got[0].ParentSpanID.IsValid(), "a root span stays a root span")
	assert.Equal(t, codes.Ok, got[0].StatusCode)

	// Lossy by design: an empty typed slice comes back as an empty string
	// slice, a SLICE of one scalar kind as the typed slice.
	got = roundTrip(t, []otelrecord.Span{{Attributes: []attribute.KeyValue{
		attribute.Int64Slice("empty", nil),
		{Key: "same", Value: attribute.SliceValue(attribute.StringValue("a"), attribute.StringValue("b"))},
		{Key: "none", Value: attribute.Value{}},
	}}})
	assert.Equal(t, []attribute.KeyValue{
		attribute.StringSlice("empty", nil),
		attribute.StringSlice("same", []string{"a", "b"}),
	}, got[0].Attributes, "an EMPTY value is dropped")
}

// Invalid UTF-8 cannot be marshalled as a protobuf string: it is replaced,
// byte by byte, as encoding/json replaces it, so a record's JSON decodes to
// the same values rebuilt from the SDK span or from OTLP (encoding/json
// writes the replacement as an escape, \ufffd, where the replaced string
// holds the character itself).
func TestProtoSpanInvalidUTF8(t *testing.T) {
	const bad = "boom \xff\xfe end"
	span := otelrecord.Span{
		Name:          "call \xff",
		StatusCode:    codes.Error,
		StatusMessage: bad,
		Attributes:    []attribute.KeyValue{attribute.String("hive.boundary.error", bad), attribute.StringSlice("k\xff", []string{bad})},
		Events:        []otelrecord.Event{{Name: "exception", Attributes: []attribute.KeyValue{attribute.String("exception.message", bad)}}},
	}
	got := roundTrip(t, []otelrecord.Span{span})
	require.Len(t, got, 1)
	want, err := json.Marshal(bad)
	require.NoError(t, err)
	var decoded string
	require.NoError(t, json.Unmarshal(want, &decoded))
	assert.Equal(t, decoded, got[0].StatusMessage, "the message decodes as its JSON does")
	assert.Equal(t, "boom \uFFFD\uFFFD end", got[0].StatusMessage)
	assert.Equal(t, "call \uFFFD", got[0].Name)
	assert.Equal(t, "boom \uFFFD\uFFFD end", got[0].Attributes[0].Value.AsString())
	assert.Equal(t, attribute.Key("k\uFFFD"), got[0].Attributes[1].Key)
	assert.Equal(t, "boom \uFFFD\uFFFD end", got[0].Events[0].Attributes[0].Value.AsString())
}

// Zero values: no ids, no times, no status.
func TestProtoSpanZero(t *testing.T) {
	p := otlpspan.ProtoSpan(otelrecord.Span{})
	assert.Nil(t, p.GetTraceId())
	assert.Nil(t, p.GetSpanId())
	assert.Nil(t, p.GetParentSpanId())
	assert.Zero(t, p.GetStartTimeUnixNano())
	assert.Nil(t, p.GetStatus())
	assert.Nil(t, p.GetAttributes())
	assert.Equal(t, otelrecord.Span{}, otlpspan.Span(p))
	assert.Zero(t, otlpspan.ProtoSpan(otelrecord.Span{StartTime: time.Unix(-5, 0)}).GetStartTimeUnixNano(), "before 1970: unset")
}
