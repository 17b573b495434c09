package server

import (
	"math"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/hivetrace/hivetrace/internal/otlpconv"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Field numbers of the OTLP messages decodeSpan reads.
const (
	fieldSpanTraceID      = 1
	fieldSpanID           = 2
	fieldSpanTraceState   = 3
	fieldSpanParentID     = 4
	fieldSpanName         = 5
	fieldSpanStart        = 7
	fieldSpanEnd          = 8
	fieldSpanEvents       = 11
	fieldSpanLinks        = 13
	fieldSpanStatus       = 15
	fieldStatusMessage    = 2
	fieldStatusCode       = 3
	fieldEventTime        = 1
	fieldEventName        = 2
	fieldEventAttributes  = 3
	fieldAnyValueBool     = 2
	fieldAnyValueInt      = 3
	fieldAnyValueDouble   = 4
	fieldAnyValueArray    = 5
	fieldAnyValueKvlist   = 6
	fieldAnyValueBytes    = 7
	fieldArrayValues      = 1 // ArrayValue.values and KeyValueList.values
	fieldAnyValueStrindex = 8
)

// decodeSpan describes the protobuf bytes of an OTLP Span exactly as
// otlpspan.Span describes the message proto.Unmarshal decodes from them,
// without the messages in between. ok is false when the bytes hold what it
// leaves to proto.Unmarshal: links, a message field given twice (which
// protobuf merges), a value with two kinds, a field of the wrong wire type,
// invalid UTF-8 in a string, or bytes that do not parse.
func decodeSpan(data []byte) (sp otelrecord.Span, ok bool) {
	var statusSeen bool
	var attrs, events int
	// First pass: count what is repeated, so slices are made once.
	if !eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) bool {
		switch num {
		case fieldSpanAttributes:
			attrs++
		case fieldSpanEvents:
			events++
		case fieldSpanLinks:
			return false
		case fieldSpanStatus:
			if statusSeen {
				return false
			}
			statusSeen = true
		}
		return true
	}) {
		return otelrecord.Span{}, false
	}
	if attrs > 0 {
		sp.Attributes = make([]attribute.KeyValue, 0, attrs)
	}
	if events > 0 {
		sp.Events = make([]otelrecord.Event, 0, events)
	}
	ok = eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) bool {
		switch num {
		case fieldSpanTraceID:
			sp.TraceID = otlpconv.TraceID(v)
			return typ == protowire.BytesType
		case fieldSpanID:
			sp.SpanID = otlpconv.SpanID(v)
			return typ == protowire.BytesType
		case fieldSpanParentID:
			sp.ParentSpanID = otlpconv.SpanID(v)
			return typ == protowire.BytesType
		case fieldSpanTraceState:
			return typ == protowire.BytesType && utf8.Valid(v)
		case fieldSpanName:
			sp.Name = string(v)
			return typ == protowire.BytesType && utf8.Valid(v)
		case fieldSpanStart:
			sp.StartTime = otlpconv.Time(x)
			return typ == protowire.Fixed64Type
		case fieldSpanEnd:
			sp.EndTime = otlpconv.Time(x)
			return typ == protowire.Fixed64Type
		case fieldSpanAttributes:
			if typ != protowire.BytesType {
				return false
			}
			kv, keep, ok := decodeKeyValue(v, 0)
			if keep {
				sp.Attributes = append(sp.Attributes, kv)
			}
			return ok
		case fieldSpanEvents:
			if typ != protowire.BytesType {
				return false
			}
			ev, ok := decodeEvent(v)
			sp.Events = append(sp.Events, ev)
			return ok
		case fieldSpanStatus:
			return typ == protowire.BytesType && decodeStatus(v, &sp)
		}
		return true // a field otlpspan does not read
	})
	return sp, ok
}

// decodeStatus reads a Status message into sp.
func decodeStatus(data []byte, sp *otelrecord.Span) bool {
	return eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) bool {
		switch num {
		case fieldStatusMessage:
			sp.StatusMessage = string(v)
			return typ == protowire.BytesType && utf8.Valid(v)
		case fieldStatusCode:
			sp.StatusCode = otlpconv.StatusCode(int32(x))
			return typ == protowire.VarintType
		}
		return true
	})
}

// decodeEvent reads a Span.Event message.
func decodeEvent(data []byte) (otelrecord.Event, bool) {
	var ev otelrecord.Event
	n := 0
	if !eachWireField(data, func(num protowire.Number, _ protowire.Type, _ []byte, _ uint64) bool {
		if num == fieldEventAttributes {
			n++
		}
		return true
	}) {
		return ev, false
	}
	if n > 0 {
		ev.Attributes = make([]attribute.KeyValue, 0, n)
	}
	ok := eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) bool {
		switch num {
		case fieldEventTime:
			ev.Time = otlpconv.Time(x)
			return typ == protowire.Fixed64Type
		case fieldEventName:
			ev.Name = string(v)
			return typ == protowire.BytesType && utf8.Valid(v)
		case fieldEventAttributes:
			if typ != protowire.BytesType {
				return false
			}
			kv, keep, ok := decodeKeyValue(v, 0)
			if keep {
				ev.Attributes = append(ev.Attributes, kv)
			}
			return ok
		}
		return true
	})
	return ev, ok
}

// decodeKeyValue reads a KeyValue message; keep is false for a value
// otlpspan drops (none, of no kind the attribute package holds, or nested
// too deep).
func decodeKeyValue(data []byte, depth int) (kv attribute.KeyValue, keep, ok bool) {
	var value []byte
	var hasValue bool
	ok = eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) bool {
		switch num {
		case fieldKeyValueKey:
			kv.Key = attribute.Key(v)
			return typ == protowire.BytesType && utf8.Valid(v)
		case fieldKeyValueValue:
			if hasValue || typ != protowire.BytesType {
				return false
			}
			value, hasValue = v, true
		}
		return true
	})
	if !ok || !hasValue {
		return kv, false, ok
	}
	kv.Value, keep, ok = decodeAnyValue(value, depth)
	return kv, keep, ok
}

// decodeAnyValue reads an AnyValue message as otlpspan converts it.
func decodeAnyValue(data []byte, depth int) (val attribute.Value, keep, ok bool) {
	var kind protowire.Number
	var raw []byte
	var x uint64
	ok = eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) bool {
		want := protowire.BytesType
		switch num {
		case fieldAnyValueBool, fieldAnyValueInt, fieldAnyValueStrindex:
			want = protowire.VarintType
		case fieldAnyValueDouble:
			want = protowire.Fixed64Type
		case fieldAnyValueString, fieldAnyValueArray, fieldAnyValueKvlist, fieldAnyValueBytes:
		default:
			return true
		}
		if kind != 0 || typ != want {
			return false // two kinds: protobuf keeps the last, or merges
		}
		kind, raw, x = num, v, n
		return true
	})
	if !ok {
		return val, false, false
	}
	switch kind {
	case fieldAnyValueString:
		return attribute.StringValue(string(raw)), true, utf8.Valid(raw)
	case fieldAnyValueBool:
		return attribute.BoolValue(x != 0), true, true
	case fieldAnyValueInt:
		return attribute.Int64Value(int64(x)), true, true
	case fieldAnyValueDouble:
		return attribute.Float64Value(math.Float64frombits(x)), true, true
	case fieldAnyValueBytes:
		return attribute.ByteSliceValue(raw), true, true
	case fieldAnyValueArray, fieldAnyValueKvlist:
		if depth >= otlpconv.MaxDepth {
			// otlpspan drops it, but proto.Unmarshal checks it first.
			return val, false, false
		}
		if kind == fieldAnyValueArray {
			return decodeArray(raw, depth+1)
		}
		return decodeKvlist(raw, depth+1)
	}
	return val, false, true // no value, or a string table index
}

// decodeArray reads an ArrayValue message as otlpspan converts it.
func decodeArray(data []byte, depth int) (attribute.Value, bool, bool) {
	n := 0
	if !eachWireField(data, func(num protowire.Number, typ protowire.Type, _ []byte, _ uint64) bool {
		if num == fieldArrayValues {
			n++
			return typ == protowire.BytesType
		}
		return true
	}) {
		return attribute.Value{}, false, false
	}
	vals := make([]attribute.Value, 0, n)
	ok := eachWireField(data, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) bool {
		if num != fieldArrayValues {
			return true
		}
		ev, keep, ok := decodeAnyValue(v, depth)
		if keep {
			vals = append(vals, ev)
		}
		return ok
	})
	return otlpconv.Array(vals, len(vals) == n), true, ok
}

// decodeKvlist reads a KeyValueList message as otlpspan converts it.
func decodeKvlist(data []byte, depth int) (attribute.Value, bool, bool) {
	var kvs []attribute.KeyValue
	n := 0
	ok := eachWireField(data, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) bool {
		if num != fieldArrayValues {
			return true
		}
		if typ != protowire.BytesType {
			return false
		}
		n++
		if kvs == nil {
			kvs = make([]attribute.KeyValue, 0, 4)
		}
		kv, keep, ok := decodeKeyValue(v, depth)
		if keep {
			kvs = append(kvs, kv)
		}
		return ok
	})
	if n == 0 {
		kvs = nil
	}
	return attribute.MapValue(kvs...), true, ok
}

// eachWireField calls fn with each field of a protobuf message: its number,
// wire type, bytes (length-delimited fields) or number (varint and fixed
// fields), and stops when fn returns false. It returns false when fn did,
// or when the bytes do not parse.
func eachWireField(data []byte, fn func(protowire.Number, protowire.Type, []byte, uint64) bool) bool {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 || !num.IsValid() {
			return false
		}
		data = data[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(data)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(data)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(data)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(data)
			x = uint64(x32)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return false
		}
		data = data[n:]
		if !fn(num, typ, v, x) {
			return false
		}
	}
	return true
}
