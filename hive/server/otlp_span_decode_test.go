package server

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// requireDecodedAsOTLPSpan requires decodeSpan, when it decodes data, to
// give what otlpspan.Span gives for the message proto.Unmarshal decodes,
// and reports whether it decoded.
func requireDecodedAsOTLPSpan(t *testing.T, data []byte) bool {
	t.Helper()
	got, ok := decodeSpan(data)
	if !ok {
		return false
	}
	msg := new(tracepb.Span)
	require.NoError(t, proto.Unmarshal(data, msg), "decodeSpan decoded what proto.Unmarshal refuses: %x", data)
	require.Equal(t, otlpspan.Span(msg), got, "bytes: %x", data)
	return true
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// decodeSeeds are spans of every shape otlpspan reads.
func decodeSeeds() []*tracepb.Span {
	arr := func(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
	}
	kvl := func(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
	}
	i := func(n int64) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
	}
	b := func(v bool) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v}}
	}
	d := func(f float64) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
	}
	by := &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{1, 2}}}
	deep := str("leaf")
	for range 40 {
		deep = arr(deep)
	}
	return []*tracepb.Span{
		{},
		{
			TraceId: make([]byte, 16), SpanId: []byte{1, 2, 3, 4, 5, 6, 7, 8}, ParentSpanId: []byte{8, 7, 6, 5, 4, 3, 2, 1},
			TraceState: "k=v", Name: "task", Kind: tracepb.Span_SPAN_KIND_INTERNAL, Flags: 0x301,
			StartTimeUnixNano: 1767225600000000000, EndTimeUnixNano: math.MaxUint64,
			Attributes: []*commonpb.KeyValue{
				kv("hive.kind", str("task")), kv("n", i(-3)), kv("b", b(true)), kv("f", d(1.5)), kv("bytes", by),
				kv("strings", arr(str("a"), str("b"))), kv("ints", arr(i(1), i(2))), kv("mixed", arr(str("a"), i(1))),
				kv("empty", arr()), kv("map", kvl(kv("x", str("y")), kv("z", nil))), kv("emptymap", kvl()),
				kv("nil", nil), kv("none", &commonpb.AnyValue{}),
				kv("strindex", &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValueStrindex{StringValueStrindex: 3}}),
				{Key: "keyidx", KeyStrindex: 2},
			},
			DroppedAttributesCount: 2,
			Events: []*tracepb.Span_Event{
				{TimeUnixNano: 5, Name: "hive.metric", Attributes: []*commonpb.KeyValue{kv("hive.metric.value", d(2))}},
				{Name: "empty"},
			},
			Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"},
		},
		{SpanId: []byte{1, 2, 3}, Links: []*tracepb.Span_Link{{TraceId: make([]byte, 16)}}},
		{Attributes: []*commonpb.KeyValue{kv("all dropped", nil)}, Status: &tracepb.Status{Code: 7}},
		{Attributes: []*commonpb.KeyValue{kv("deep", deep)}},
	}
}

func TestDecodeSpanIsOTLPSpan(t *testing.T) {
	decoded := 0
	for _, sp := range decodeSeeds() {
		data, err := proto.Marshal(sp)
		require.NoError(t, err)
		if requireDecodedAsOTLPSpan(t, data) {
			decoded++
		}
	}
	assert.Equal(t, 3, decoded, "all but the span with links and the one nested too deep, left to proto.Unmarshal")

	// Encodings proto.Marshal never makes are left to proto.Unmarshal or
	// read as it reads them.
	tag := func(b []byte, num protowire.Number, typ protowire.Type) []byte {
		return protowire.AppendTag(b, num, typ)
	}
	var twoStatus, wrongType, badUTF8, lastName []byte
	twoStatus = protowire.AppendBytes(tag(nil, 15, protowire.BytesType), nil)
	twoStatus = protowire.AppendBytes(tag(twoStatus, 15, protowire.BytesType), nil)
	wrongType = protowire.AppendVarint(tag(nil, 5, protowire.VarintType), 1)
	badUTF8 = protowire.AppendString(tag(nil, 5, protowire.BytesType), "\xff")
	lastName = protowire.AppendString(tag(nil, 5, protowire.BytesType), "first")
	lastName = protowire.AppendString(tag(lastName, 5, protowire.BytesType), "second")
	for name, data := range map[string][]byte{"two statuses": twoStatus, "wrong wire type": wrongType, "invalid UTF-8": badUTF8} {
		_, ok := decodeSpan(data)
		assert.False(t, ok, name)
	}
	require.True(t, requireDecodedAsOTLPSpan(t, lastName))
	_, ok := decodeSpan([]byte{0x0a, 0xff})
	assert.False(t, ok, "truncated bytes")
}

// FuzzDecodeSpan: whatever the bytes, decodeSpan either leaves them to
// proto.Unmarshal or reads them exactly as otlpspan.Span reads the message
// proto.Unmarshal decodes.
func FuzzDecodeSpan(f *testing.F) {
	for _, sp := range decodeSeeds() {
		data, err := proto.Marshal(sp)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		requireDecodedAsOTLPSpan(t, data)
	})
}
