package otelrecord

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// problems collects the reasons a record is incomplete. It allocates only
// when there is something to report.
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// taskAttrs are the convention attributes of a task-run span, read in one
// pass.
type taskAttrs struct {
	kind, name, uuid                  string
	input, output, errMsg, recordType string
	metadataJSON, metricsJSON         string
	declared                          attribute.Value
	calls                             int64
	hasKind, hasName, hasUUID         bool
	hasInput, hasOutput, hasErr       bool
	hasType, hasDeclared, hasCalls    bool
	hasMetadataJSON, hasMetricsJSON   bool
	invalidInput                      bool
	metadataAttrs                     int
}

func readTaskAttrs(attrs []attribute.KeyValue, p *problems) taskAttrs {
	var t taskAttrs
	for _, kv := range attrs {
		switch kv.Key {
		case KindKey:
			t.hasKind = readString(kv, &t.kind, p)
		case TaskNameKey:
			t.hasName = readString(kv, &t.name, p)
		case RunUUIDKey:
			t.hasUUID = readString(kv, &t.uuid, p)
		case TaskInputKey:
			t.hasInput = readString(kv, &t.input, p)
		case TaskOutputKey:
			t.hasOutput = readString(kv, &t.output, p)
		case TaskErrorKey:
			t.hasErr = readString(kv, &t.errMsg, p)
		case RecordTypeKey:
			t.hasType = readString(kv, &t.recordType, p)
		case TaskMetadataKey:
			t.hasMetadataJSON = readString(kv, &t.metadataJSON, p)
		case TaskMetricsKey:
			t.hasMetricsJSON = readString(kv, &t.metricsJSON, p)
		case TaskBoundariesKey:
			switch kv.Value.Type() {
			case attribute.STRINGSLICE, attribute.SLICE:
				t.declared, t.hasDeclared = kv.Value, true
			default:
				p.addf("%s is a %s, not a list of strings", kv.Key, kv.Value.Type())
			}
		case TaskBoundaryCallsKey:
			t.hasCalls = readInt(kv, &t.calls, p)
		case TaskInvalidInputKey:
			if kv.Value.Type() == attribute.BOOL {
				t.invalidInput = kv.Value.AsBool()
			} else {
				p.addf("%s is a %s, not a bool", kv.Key, kv.Value.Type())
			}
		default:
			if strings.HasPrefix(string(kv.Key), MetadataKeyPrefix) {
				t.metadataAttrs++
			}
		}
	}
	return t
}

// boundaryCall is one boundary span with its convention attributes.
type boundaryCall struct {
	span                        *Span
	kind, name, uuid            string
	input, output, errMsg       string
	seq                         int64
	hasKind, hasName, hasUUID   bool
	hasInput, hasOutput, hasErr bool
	hasSeq, omitted             bool
}

func readBoundaryAttrs(s *Span, c *boundaryCall, p *problems) {
	c.span = s
	for _, kv := range s.Attributes {
		switch kv.Key {
		case KindKey:
			c.hasKind = readString(kv, &c.kind, p)
		case RunUUIDKey:
			c.hasUUID = readString(kv, &c.uuid, p)
		case BoundaryNameKey:
			c.hasName = readString(kv, &c.name, p)
		case BoundarySeqKey:
			c.hasSeq = readInt(kv, &c.seq, p)
		case BoundaryInputKey:
			c.hasInput = readString(kv, &c.input, p)
		case BoundaryOutputKey:
			c.hasOutput = readString(kv, &c.output, p)
		case BoundaryErrorKey:
			c.hasErr = readString(kv, &c.errMsg, p)
		case BoundaryOmittedKey:
			c.omitted = kv.Value.Type() == attribute.BOOL && kv.Value.AsBool()
		}
	}
}

func readString(kv attribute.KeyValue, dst *string, p *problems) bool {
	if kv.Value.Type() != attribute.STRING {
		p.addf("%s is a %s, not a string", kv.Key, kv.Value.Type())
		return false
	}
	*dst = kv.Value.AsString()
	return true
}

// readInt reads an integer attribute. OTLP JSON readers and some SDKs turn
// integers into doubles; whole doubles are accepted.
func readInt(kv attribute.KeyValue, dst *int64, p *problems) bool {
	switch kv.Value.Type() {
	case attribute.INT64:
		*dst = kv.Value.AsInt64()
		return true
	case attribute.FLOAT64:
		f := kv.Value.AsFloat64()
		if f == float64(int64(f)) && f >= -(1<<53) && f <= 1<<53 {
			*dst = int64(f)
			return true
		}
	}
	p.addf("%s is not an integer (%s)", kv.Key, kv.Value.Type())
	return false
}

// rebuildMetadata reads hive.task.metadata, or else the hive.metadata.*
// attributes. It returns nil when the run has no metadata.
func rebuildMetadata(t *taskAttrs, attrs []attribute.KeyValue, p *problems) map[string]string {
	if t.hasMetadataJSON {
		m, err := decodeMetadata(t.metadataJSON)
		if err == nil {
			return m
		}
		p.addf("%s is not a JSON object of strings", TaskMetadataKey)
	}
	if t.metadataAttrs == 0 {
		return nil
	}
	m := make(map[string]string, t.metadataAttrs)
	for _, kv := range attrs {
		key, found := strings.CutPrefix(string(kv.Key), MetadataKeyPrefix)
		if !found {
			continue
		}
		if kv.Value.Type() == attribute.STRING {
			m[key] = kv.Value.AsString()
		} else {
			//lint:ignore SA1019 Emit's text (slices as fmt prints them) is what records have always held; String writes slices as JSON
			m[key] = kv.Value.Emit()
		}
	}
	return m
}

// rebuildMetrics reads hive.task.metrics, or else the hive.metric events. It
// returns nil when the run has no metrics.
func rebuildMetrics(t *taskAttrs, events []Event, p *problems) []Metric {
	if t.hasMetricsJSON {
		ms, err := decodeMetrics(t.metricsJSON)
		if err == nil {
			return ms
		}
		p.addf("%s is not a JSON array of metrics", TaskMetricsKey)
	}
	var ms []Metric
	for i := range events {
		if events[i].Name != MetricEventName {
			continue
		}
		m, ok := metricFromEvent(events[i].Attributes)
		if !ok {
			p.addf("%s event %d is not a valid metric", MetricEventName, i)
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

func metricFromEvent(attrs []attribute.KeyValue) (Metric, bool) {
	var m Metric
	var hasValue bool
	for _, kv := range attrs {
		switch kv.Key {
		case MetricTypeKey:
			if kv.Value.Type() == attribute.STRING {
				m.Type = kv.Value.AsString()
			}
		case MetricNameKey:
			if kv.Value.Type() == attribute.STRING {
				m.Name = kv.Value.AsString()
			}
		case MetricValueKey:
			switch kv.Value.Type() {
			case attribute.FLOAT64:
				m.Value, hasValue = kv.Value.AsFloat64(), true
			case attribute.INT64:
				m.Value, hasValue = float64(kv.Value.AsInt64()), true
			}
		}
	}
	return m, hasValue && m.Validate() == nil
}
