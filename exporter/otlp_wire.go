package exporter

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// The OTLP protobuf encoding written directly, without building the
// generated messages: the run encoder writes every span of a run with it,
// several times faster than marshalling tracepb values. Fields follow
// opentelemetry/proto; zero scalars are left out as proto3 does, and the
// members of a oneof (AnyValue) are written even when zero, as it does too.
// Strings are made valid UTF-8 by otlpspan.ValidString, the rule of
// otlpspan.ProtoSpan; the encoding decodes to what ProtoSpan builds.

// beginMessage appends the tag of a length-delimited field whose content
// follows, and returns where that content starts (see endMessage).
func beginMessage(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return b, len(b)
}

// endMessage puts the length of the content that began at start before it.
func endMessage(b []byte, start int) []byte {
	n := len(b) - start
	size := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, size)...)
	copy(b[start+size:], b[start:start+n])
	protowire.AppendVarint(b[start:start], uint64(n))
	return b
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, otlpspan.ValidString(s))
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendFixed32Field(b []byte, num protowire.Number, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

func appendFixed64Field(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

// appendTimeField appends t in Unix nanoseconds: nothing for the zero time
// and times before 1970, clamped at the int64 range (otlpspan.ProtoSpan's
// rule).
func appendTimeField(b []byte, num protowire.Number, t time.Time) []byte {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return b
	}
	ns := uint64(math.MaxInt64)
	if !t.After(time.Unix(0, math.MaxInt64)) {
		ns = uint64(t.UnixNano())
	}
	return appendFixed64Field(b, num, ns)
}

// Field numbers of common/v1 KeyValue, AnyValue, ArrayValue and
// KeyValueList.
const (
	kvKey       protowire.Number = 1
	kvValue     protowire.Number = 2
	anyString   protowire.Number = 1
	anyBool     protowire.Number = 2
	anyInt      protowire.Number = 3
	anyDouble   protowire.Number = 4
	anyArray    protowire.Number = 5
	anyKVList   protowire.Number = 6
	anyBytes    protowire.Number = 7
	arrayValues protowire.Number = 1
	kvlistItems protowire.Number = 1
)

// appendKeyValues appends each attribute as a KeyValue in field num.
func appendKeyValues(b []byte, num protowire.Number, attrs []attribute.KeyValue) []byte {
	for _, kv := range attrs {
		b = appendKeyValue(b, num, kv)
	}
	return b
}

// appendKeyValue appends kv as a KeyValue in field num, its size computed
// first so that nothing is moved.
func appendKeyValue(b []byte, num protowire.Number, kv attribute.KeyValue) []byte {
	key := otlpspan.ValidString(string(kv.Key))
	vs := sizeAnyValue(kv.Value)
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(sizeKeyValue(key, vs)))
	if key != "" {
		b = protowire.AppendTag(b, kvKey, protowire.BytesType)
		b = protowire.AppendString(b, key)
	}
	b = protowire.AppendTag(b, kvValue, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(vs))
	return appendAnyValue(b, kv.Value)
}

// sizeKeyValue returns the size of the content of a KeyValue whose
// AnyValue's content is valueSize bytes.
func sizeKeyValue(key string, valueSize int) int {
	n := 0
	if key != "" {
		n += protowire.SizeTag(kvKey) + protowire.SizeBytes(len(key))
	}
	return n + protowire.SizeTag(kvValue) + protowire.SizeBytes(valueSize)
}

// sizeAnyValue returns the size of the content of v's AnyValue.
func sizeAnyValue(v attribute.Value) int {
	switch v.Type() {
	case attribute.BOOL:
		return protowire.SizeTag(anyBool) + 1
	case attribute.INT64:
		return protowire.SizeTag(anyInt) + protowire.SizeVarint(uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return protowire.SizeTag(anyDouble) + protowire.SizeFixed64()
	case attribute.STRING:
		return sizeString(anyString, v.AsString())
	case attribute.BYTESLICE:
		return protowire.SizeTag(anyBytes) + protowire.SizeBytes(len(v.AsByteSlice()))
	case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE, attribute.SLICE:
		return protowire.SizeTag(anyArray) + protowire.SizeBytes(sizeArray(v))
	case attribute.MAP:
		return protowire.SizeTag(anyKVList) + protowire.SizeBytes(sizeKVList(v))
	default:
		return 0
	}
}

func sizeString(num protowire.Number, s string) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(len(otlpspan.ValidString(s)))
}

// sizeArray returns the size of the content of the ArrayValue of v, a
// slice.
func sizeArray(v attribute.Value) int {
	elem := protowire.SizeTag(arrayValues)
	n := 0
	switch v.Type() {
	case attribute.BOOLSLICE:
		n = len(v.AsBoolSlice()) * (elem + protowire.SizeBytes(protowire.SizeTag(anyBool)+1))
	case attribute.INT64SLICE:
		for _, x := range v.AsInt64Slice() {
			n += elem + protowire.SizeBytes(protowire.SizeTag(anyInt)+protowire.SizeVarint(uint64(x)))
		}
	case attribute.FLOAT64SLICE:
		n = len(v.AsFloat64Slice()) * (elem + protowire.SizeBytes(protowire.SizeTag(anyDouble)+protowire.SizeFixed64()))
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			n += elem + protowire.SizeBytes(sizeString(anyString, s))
		}
	case attribute.SLICE:
		for _, x := range v.AsSlice() {
			n += elem + protowire.SizeBytes(sizeAnyValue(x))
		}
	}
	return n
}

// appendAnyValue appends the content of v's AnyValue.
func appendAnyValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return appendBool(b, v.AsBool())
	case attribute.INT64:
		return appendInt(b, v.AsInt64())
	case attribute.FLOAT64:
		return appendDouble(b, v.AsFloat64())
	case attribute.STRING:
		return appendString(b, v.AsString())
	case attribute.BYTESLICE:
		b = protowire.AppendTag(b, anyBytes, protowire.BytesType)
		return protowire.AppendBytes(b, v.AsByteSlice())
	case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE, attribute.SLICE:
		b = protowire.AppendTag(b, anyArray, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeArray(v)))
		return appendArray(b, v)
	case attribute.MAP:
		b = protowire.AppendTag(b, anyKVList, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeKVList(v)))
		return appendKeyValues(b, kvlistItems, v.AsMap())
	default:
		return b
	}
}

// sizeKVList returns the size of the content of the KeyValueList of v, a
// map.
func sizeKVList(v attribute.Value) int {
	n := 0
	for _, kv := range v.AsMap() {
		n += protowire.SizeTag(kvlistItems) + protowire.SizeBytes(sizeKeyValue(otlpspan.ValidString(string(kv.Key)), sizeAnyValue(kv.Value)))
	}
	return n
}

func appendBool(b []byte, x bool) []byte {
	b = protowire.AppendTag(b, anyBool, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeBool(x))
}

func appendInt(b []byte, x int64) []byte {
	b = protowire.AppendTag(b, anyInt, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(x))
}

func appendDouble(b []byte, x float64) []byte {
	b = protowire.AppendTag(b, anyDouble, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(x))
}

func appendString(b []byte, s string) []byte {
	b = protowire.AppendTag(b, anyString, protowire.BytesType)
	return protowire.AppendString(b, otlpspan.ValidString(s))
}

// appendArray appends the content of the ArrayValue of v, a slice: each
// element an AnyValue.
func appendArray(b []byte, v attribute.Value) []byte {
	elem := func(b []byte, size int) []byte {
		b = protowire.AppendTag(b, arrayValues, protowire.BytesType)
		return protowire.AppendVarint(b, uint64(size))
	}
	switch v.Type() {
	case attribute.BOOLSLICE:
		for _, x := range v.AsBoolSlice() {
			b = appendBool(elem(b, protowire.SizeTag(anyBool)+1), x)
		}
	case attribute.INT64SLICE:
		for _, x := range v.AsInt64Slice() {
			b = appendInt(elem(b, protowire.SizeTag(anyInt)+protowire.SizeVarint(uint64(x))), x)
		}
	case attribute.FLOAT64SLICE:
		for _, x := range v.AsFloat64Slice() {
			b = appendDouble(elem(b, protowire.SizeTag(anyDouble)+protowire.SizeFixed64()), x)
		}
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			b = appendString(elem(b, sizeString(anyString, s)), s)
		}
	case attribute.SLICE:
		for _, x := range v.AsSlice() {
			b = appendAnyValue(elem(b, sizeAnyValue(x)), x)
		}
	}
	return b
}
