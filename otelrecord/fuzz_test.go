package otelrecord

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
)

func FuzzRecordJSON(f *testing.F) {
	for _, raw := range typescriptRecords(f) {
		f.Add([]byte(raw))
	}
	f.Add([]byte(`{"boundaries":{"a":null},"metadata":null,"metrics":null,"output":null}`))
	f.Add([]byte(`{"input":null,"timing":{"duration":0.1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec ExecutionRecord
		if json.Unmarshal(data, &rec) != nil {
			return
		}
		first, err := json.Marshal(rec)
		require.NoError(t, err, "a decoded record always encodes")
		var again ExecutionRecord
		require.NoError(t, json.Unmarshal(first, &again))
		second, err := json.Marshal(again)
		require.NoError(t, err)
		require.JSONEq(t, string(first), string(second), "encoding is stable after one round trip")
	})
}

func FuzzRebuild(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0, 0, 5, 1, 2, 3, 4, 5, 1, 1, 4, 9, 9, 9, 2, 2, 0, 7})
	f.Add([]byte("\x06\x00\x01\x08\x00\x01\x02\x03\x04\x05\x06\x07\x01\x01\x06\x00\x01\x02\x03\x04\x05\x01\x02\x09\x00\x01\x03"))
	f.Add([]byte("hivetrace fuzz seed with enough bytes to make several spans of every kind"))
	f.Fuzz(func(t *testing.T, data []byte) {
		spans := spansFromFuzz(data)
		tasks := 0
		for _, s := range spans {
			if kind, _ := Classify(s.Attributes); kind == KindTask {
				tasks++
			}
		}
		check := func(recs []*ExecutionRecord) {
			for _, r := range recs {
				require.NotNil(t, r)
				b, err := json.Marshal(r)
				require.NoError(t, err, "a rebuilt record always encodes")
				require.True(t, json.Valid(b))
			}
		}
		recs, _ := Rebuild(spans)
		require.LessOrEqual(t, len(recs), tasks)
		check(recs)
		if len(spans) > 0 {
			rec, _ := RebuildRun(spans[0], spans[1:])
			check([]*ExecutionRecord{rec})
		}
		a := NewAssembler(WithMaxPendingRuns(2))
		check(a.Add(spans...))
		check(a.Flush(time.Now()))
		require.Zero(t, a.Len())
	})
}

// fuzzReader hands out fuzz bytes, then zeros.
type fuzzReader struct{ data []byte }

func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *fuzzReader) str() string {
	switch n := int(r.byte() % 24); {
	case n < len(fuzzJSON):
		return fuzzJSON[n]
	default:
		n -= len(fuzzJSON)
		if n > len(r.data) {
			n = len(r.data)
		}
		s := string(r.data[:n])
		r.data = r.data[n:]
		return s
	}
}

var fuzzJSON = []string{`{"a":1}`, `null`, `[1,"x"]`, `"x"`, `3.5`, `[]`, `{}`, `true`,
	`{"hive.truncated":true,"originalSize":9,"preview":"{"}`, `[{"type":"t","name":"n","value":1}]`,
	`{"k":"v"}`, `task`, `boundary`, ``}

var fuzzKeys = []attribute.Key{
	KindKey, RunUUIDKey, TaskNameKey, TaskBoundariesKey, TaskInputKey, TaskOutputKey, TaskErrorKey,
	RecordTypeKey, TaskInvalidInputKey, TaskBoundaryCallsKey, TaskMetadataKey, TaskMetricsKey,
	BoundaryNameKey, BoundarySeqKey, BoundaryInputKey, BoundaryOutputKey, BoundaryErrorKey,
	MetadataKeyPrefix + "k", "other", MetricTypeKey, MetricNameKey, MetricValueKey,
}

var fuzzUUIDs = []string{"", "run-a", "run-b", "run-c"}

// spansFromFuzz derives up to 16 spans from fuzz bytes: kinds, run uuids,
// attributes of every type under convention keys, times and events.
func spansFromFuzz(data []byte) []Span {
	r := &fuzzReader{data: data}
	n := int(r.byte() % 17)
	spans := make([]Span, 0, n)
	for range n {
		var attrs []attribute.KeyValue
		switch r.byte() % 4 {
		case 0:
			attrs = append(attrs, KindKey.String(KindTask))
		case 1:
			attrs = append(attrs, KindKey.String(KindBoundary))
		case 2:
			attrs = append(attrs, KindKey.Int(1))
		}
		if u := fuzzUUIDs[r.byte()%4]; u != "" {
			attrs = append(attrs, RunUUIDKey.String(u))
		}
		for range int(r.byte() % 12) {
			attrs = append(attrs, fuzzAttr(r))
		}
		s := Span{
			SpanID:     spanID(r.byte() % 8),
			Name:       r.str(),
			StartTime:  at(float64(int8(r.byte()))),
			Attributes: attrs,
			StatusCode: codes.Code(r.byte() % 4),
		}
		if r.byte()%8 != 0 {
			s.EndTime = s.StartTime.Add(time.Duration(r.byte()) * time.Microsecond)
		}
		for range int(r.byte() % 3) {
			ev := Event{Name: MetricEventName}
			for range int(r.byte() % 4) {
				ev.Attributes = append(ev.Attributes, fuzzAttr(r))
			}
			s.Events = append(s.Events, ev)
		}
		spans = append(spans, s)
	}
	return spans
}

func fuzzAttr(r *fuzzReader) attribute.KeyValue {
	k := fuzzKeys[int(r.byte())%len(fuzzKeys)]
	switch r.byte() % 8 {
	case 0, 1, 2:
		return k.String(r.str())
	case 3:
		return k.Int64(int64(int8(r.byte())))
	case 4:
		return k.Bool(r.byte()%2 == 0)
	case 5:
		return k.Float64(float64(int8(r.byte())) / 2)
	case 6:
		return k.StringSlice([]string{r.str(), r.str()})
	default:
		return attribute.KeyValue{Key: k, Value: attribute.SliceValue(attribute.StringValue(r.str()), attribute.IntValue(1))}
	}
}
