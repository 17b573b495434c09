package otlpjson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/hivetrace/hivetrace/internal/otlpconv"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrInvalid is wrapped by every error Spans returns.
var ErrInvalid = errors.New("otlpjson: invalid OTLP JSON")

// Spans describes the spans of OTLP JSON trace data, in the order
// they appear. It reads:
//
//   - plain TracesData, {"resourceSpans":[...]}, as the OTLP file exporter
//     and OTLP/HTTP JSON write it;
//   - the answer of Jaeger's query API v3 (GET /api/v3/traces/{traceID}),
//     {"result":{"resourceSpans":[...]}}, and several such answers one after
//     the other, as a chunked answer would carry them;
//   - Jaeger's error answer {"error":{"httpCode":404,"message":"..."}},
//     which it returns as an error.
//
// As the OTLP JSON encoding specifies, field names are lowerCamelCase, trace
// and span ids are hex strings (base64, as a generic protobuf JSON encoder
// writes them, is accepted too), 64-bit integers may be strings or numbers,
// and enums (the status code) may be integers or their names. Values are
// converted as package otlpspan converts protobuf, straight into Span values.
//
// It never panics; malformed input gives an error wrapping
// ErrInvalid.
func Spans(data []byte) ([]otelrecord.Span, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var spans []otelrecord.Span
	docs := 0
	for {
		var doc otlpJSONDoc
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) && docs > 0 {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		docs++
		if doc.Error != nil && doc.Result == nil && doc.ResourceSpans == nil {
			return nil, fmt.Errorf("%w: error answer (HTTP %d): %s", ErrInvalid, doc.Error.HTTPCode, doc.Error.Message)
		}
		spans = doc.ResourceSpans.appendTo(spans)
		if doc.Result != nil {
			spans = doc.Result.ResourceSpans.appendTo(spans)
		}
	}
	if spans == nil {
		spans = []otelrecord.Span{}
	}
	return spans, nil
}

type otlpJSONDoc struct {
	Result        *otlpJSONTracesData    `json:"result"`
	ResourceSpans otlpJSONResourceSpanss `json:"resourceSpans"`
	Error         *otlpJSONErrorDetails  `json:"error"`
}

type otlpJSONErrorDetails struct {
	HTTPCode int    `json:"httpCode"`
	Message  string `json:"message"`
}

type otlpJSONTracesData struct {
	ResourceSpans otlpJSONResourceSpanss `json:"resourceSpans"`
}

type otlpJSONResourceSpanss []otlpJSONResourceSpans

func (r otlpJSONResourceSpanss) appendTo(dst []otelrecord.Span) []otelrecord.Span {
	for _, rs := range r {
		for _, list := range [][]otlpJSONScopeSpans{rs.ScopeSpans, rs.InstrumentationLibrarySpans} {
			for _, ss := range list {
				for i := range ss.Spans {
					dst = append(dst, ss.Spans[i].span())
				}
			}
		}
	}
	return dst
}

type otlpJSONResourceSpans struct {
	ScopeSpans []otlpJSONScopeSpans `json:"scopeSpans"`
	// InstrumentationLibrarySpans is the name scopeSpans had before OTLP 0.19.
	InstrumentationLibrarySpans []otlpJSONScopeSpans `json:"instrumentationLibrarySpans"`
}

type otlpJSONScopeSpans struct {
	Spans []otlpJSONSpan `json:"spans"`
}

type otlpJSONSpan struct {
	TraceID           otlpJSONID         `json:"traceId"`
	SpanID            otlpJSONID         `json:"spanId"`
	ParentSpanID      otlpJSONID         `json:"parentSpanId"`
	Name              string             `json:"name"`
	StartTimeUnixNano otlpJSONUint64     `json:"startTimeUnixNano"`
	EndTimeUnixNano   otlpJSONUint64     `json:"endTimeUnixNano"`
	Attributes        []otlpJSONKeyValue `json:"attributes"`
	Events            []otlpJSONEvent    `json:"events"`
	Status            *otlpJSONStatus    `json:"status"`
}

func (s *otlpJSONSpan) span() otelrecord.Span {
	out := otelrecord.Span{
		TraceID:      otlpconv.TraceID(s.TraceID),
		SpanID:       otlpconv.SpanID(s.SpanID),
		ParentSpanID: otlpconv.SpanID(s.ParentSpanID),
		Name:         s.Name,
		StartTime:    otlpconv.Time(uint64(s.StartTimeUnixNano)),
		EndTime:      otlpconv.Time(uint64(s.EndTimeUnixNano)),
		Attributes:   jsonAttributes(s.Attributes, 0),
	}
	if s.Status != nil {
		out.StatusCode = otlpconv.StatusCode(s.Status.Code.code)
		out.StatusMessage = s.Status.Message
	}
	if len(s.Events) > 0 {
		out.Events = make([]otelrecord.Event, len(s.Events))
		for i, e := range s.Events {
			out.Events[i] = otelrecord.Event{
				Name:       e.Name,
				Time:       otlpconv.Time(uint64(e.TimeUnixNano)),
				Attributes: jsonAttributes(e.Attributes, 0),
			}
		}
	}
	return out
}

type otlpJSONEvent struct {
	Name         string             `json:"name"`
	TimeUnixNano otlpJSONUint64     `json:"timeUnixNano"`
	Attributes   []otlpJSONKeyValue `json:"attributes"`
}

type otlpJSONStatus struct {
	Code    otlpJSONStatusCode `json:"code"`
	Message string             `json:"message"`
}

type otlpJSONKeyValue struct {
	Key   string            `json:"key"`
	Value *otlpJSONAnyValue `json:"value"`
}

type otlpJSONAnyValue struct {
	StringValue *string            `json:"stringValue"`
	BoolValue   *bool              `json:"boolValue"`
	IntValue    *otlpJSONInt64     `json:"intValue"`
	DoubleValue *otlpJSONFloat64   `json:"doubleValue"`
	BytesValue  *[]byte            `json:"bytesValue"`
	ArrayValue  *otlpJSONArray     `json:"arrayValue"`
	KvlistValue *otlpJSONKeyValues `json:"kvlistValue"`
}

type otlpJSONArray struct {
	Values []*otlpJSONAnyValue `json:"values"`
}

type otlpJSONKeyValues struct {
	Values []otlpJSONKeyValue `json:"values"`
}

func jsonAttributes(kvs []otlpJSONKeyValue, depth int) []attribute.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if v, ok := kv.Value.value(depth); ok {
			out = append(out, attribute.KeyValue{Key: attribute.Key(kv.Key), Value: v})
		}
	}
	return out
}

// value converts the value; false means it is empty, of an unknown kind or
// nested deeper than otlpconv.MaxDepth, and is dropped.
func (v *otlpJSONAnyValue) value(depth int) (attribute.Value, bool) {
	switch {
	case v == nil:
		return attribute.Value{}, false
	case v.StringValue != nil:
		return attribute.StringValue(*v.StringValue), true
	case v.BoolValue != nil:
		return attribute.BoolValue(*v.BoolValue), true
	case v.IntValue != nil:
		return attribute.Int64Value(int64(*v.IntValue)), true
	case v.DoubleValue != nil:
		return attribute.Float64Value(float64(*v.DoubleValue)), true
	case v.BytesValue != nil:
		return attribute.ByteSliceValue(*v.BytesValue), true
	case v.ArrayValue != nil:
		if depth >= otlpconv.MaxDepth {
			return attribute.Value{}, false
		}
		vals := make([]attribute.Value, 0, len(v.ArrayValue.Values))
		for _, e := range v.ArrayValue.Values {
			if ev, ok := e.value(depth + 1); ok {
				vals = append(vals, ev)
			}
		}
		return otlpconv.Array(vals, len(vals) == len(v.ArrayValue.Values)), true
	case v.KvlistValue != nil:
		if depth >= otlpconv.MaxDepth {
			return attribute.Value{}, false
		}
		return attribute.MapValue(jsonAttributes(v.KvlistValue.Values, depth+1)...), true
	default:
		return attribute.Value{}, false
	}
}

// otlpJSONID is a trace or span id: hex as OTLP JSON specifies, or base64 as
// a generic protobuf JSON encoder writes bytes. Ids of the wrong length are
// kept and come out as zero ids.
type otlpJSONID []byte

// UnmarshalJSON implements json.Unmarshaler.
func (id *otlpJSONID) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*id = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	if b, err := hex.DecodeString(s); err == nil {
		*id = b
		return nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		*id = b
		return nil
	}
	return fmt.Errorf("id %q is neither hex nor base64", s)
}

// otlpJSONUint64 is an unsigned 64-bit integer written as a string or a
// number.
type otlpJSONUint64 uint64

// UnmarshalJSON implements json.Unmarshaler.
func (u *otlpJSONUint64) UnmarshalJSON(data []byte) error {
	v, err := wholeNumber(data, "an unsigned integer", strconv.ParseUint, 0, math.MaxUint64)
	if err != nil {
		return err
	}
	*u = otlpJSONUint64(v)
	return nil
}

// otlpJSONInt64 is a signed 64-bit integer written as a string or a number.
type otlpJSONInt64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *otlpJSONInt64) UnmarshalJSON(data []byte) error {
	v, err := wholeNumber(data, "an integer", strconv.ParseInt, math.MinInt64, math.MaxInt64)
	if err != nil {
		return err
	}
	*n = otlpJSONInt64(v)
	return nil
}

// wholeNumber reads a 64-bit integer written as a JSON string or number:
// decimal digits as parse reads them, or else a float that is a whole
// number in [lo, hi) ("1e3"); an empty string is 0. want names the kind of
// number in errors.
func wholeNumber[T int64 | uint64](data []byte, want string, parse func(string, int, int) (T, error), lo, hi float64) (T, error) {
	s, ok := numberText(data)
	if !ok {
		return 0, fmt.Errorf("want %s, got %.40s", want, data)
	}
	if s == "" {
		return 0, nil
	}
	if v, err := parse(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f >= hi || f != math.Trunc(f) {
		return 0, fmt.Errorf("want %s, got %q", want, s)
	}
	return T(f), nil
}

// otlpJSONFloat64 is a double written as a number or a string, including
// "NaN", "Infinity" and "-Infinity".
type otlpJSONFloat64 float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *otlpJSONFloat64) UnmarshalJSON(data []byte) error {
	s, ok := numberText(data)
	if !ok {
		return fmt.Errorf("want a number, got %.40s", data)
	}
	switch s {
	case "":
		*f = 0
		return nil
	case "NaN":
		*f = otlpJSONFloat64(math.NaN())
		return nil
	case "Infinity":
		*f = otlpJSONFloat64(math.Inf(1))
		return nil
	case "-Infinity":
		*f = otlpJSONFloat64(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number, got %q", s)
	}
	*f = otlpJSONFloat64(v)
	return nil
}

// otlpJSONStatusCode is a status code written as an integer (the OTLP JSON
// encoding) or as its enum name.
type otlpJSONStatusCode struct{ code int32 }

// otlpStatusNames are the OTLP status code enum names.
var otlpStatusNames = map[string]int32{
	"STATUS_CODE_UNSET": otlpconv.StatusUnset,
	"STATUS_CODE_OK":    otlpconv.StatusOK,
	"STATUS_CODE_ERROR": otlpconv.StatusError,
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *otlpJSONStatusCode) UnmarshalJSON(data []byte) error {
	s, ok := numberText(data)
	if !ok {
		return fmt.Errorf("want a status code, got %.40s", data)
	}
	if v, err := strconv.ParseInt(s, 10, 32); err == nil {
		c.code = int32(v)
		return nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "STATUS_CODE_") {
		name = "STATUS_CODE_" + name
	}
	if v, found := otlpStatusNames[name]; found {
		c.code = v
		return nil
	}
	c.code = otlpconv.StatusUnset
	return nil
}

// numberText returns the text of a JSON number or string (unquoted), "" for
// null, and false for anything else.
func numberText(data []byte) (string, bool) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return "", false
	case string(data) == "null":
		return "", true
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return "", false
		}
		return s, true
	case data[0] == '-' || (data[0] >= '0' && data[0] <= '9'):
		return string(data), true
	default:
		return "", false
	}
}
