package exporter

import (
	"fmt"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// RunSpans is one finished task run as NewRunSpanProcessor delivers it: the
// OTLP protobuf encoding of a TracesData message holding the run's
// convention spans (its task-run span and the boundary spans of its record),
// each under the resource and instrumentation scope of the SDK that made it.
//
// TracesData and the OTLP collector's ExportTraceServiceRequest are the same
// message on the wire (field 1, the repeated ResourceSpans), so the
// concatenation of the TracesData of several runs is the body of an OTLP
// export request carrying them all.
type RunSpans struct {
	// UUID is the run's uuid (otelrecord.RunUUIDKey): the uuid of the record
	// a receiver rebuilds from the spans.
	UUID string
	// TracesData is the protobuf encoding of a tracepb.TracesData.
	TracesData []byte
	// Spans is the number of spans TracesData holds.
	Spans int
}

// Decode decodes TracesData.
func (r *RunSpans) Decode() (*tracepb.TracesData, error) {
	var td tracepb.TracesData
	if err := proto.Unmarshal(r.TracesData, &td); err != nil {
		return nil, fmt.Errorf("exporter: decode the spans of run %s: %w", r.UUID, err)
	}
	return &td, nil
}
