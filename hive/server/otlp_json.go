package server

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

// Sizes of OTLP trace and span ids, in bytes.
const (
	traceIDSize = 16
	spanIDSize  = 8
)

// decodeOTLPJSON decodes an ExportTraceServiceRequest in the OTLP JSON
// encoding: the protobuf JSON mapping, unknown fields ignored, with trace
// and span ids as hex strings (as the OTLP specification requires) or as
// base64 (as a generic protobuf JSON encoder writes them). The error,
// wrapping errMalformed, says what does not decode.
func decodeOTLPJSON(data []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	req := new(coltracepb.ExportTraceServiceRequest)
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, req); err != nil {
		return nil, fmt.Errorf("%w: %w", errMalformed, err)
	}
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				var err error
				if sp.TraceId, err = otlpJSONID(sp.TraceId, traceIDSize, "traceId"); err != nil {
					return nil, err
				}
				if sp.SpanId, err = otlpJSONID(sp.SpanId, spanIDSize, "spanId"); err != nil {
					return nil, err
				}
				if sp.ParentSpanId, err = otlpJSONID(sp.ParentSpanId, spanIDSize, "parentSpanId"); err != nil {
					return nil, err
				}
				for _, l := range sp.GetLinks() {
					if l.TraceId, err = otlpJSONID(l.TraceId, traceIDSize, "links.traceId"); err != nil {
						return nil, err
					}
					if l.SpanId, err = otlpJSONID(l.SpanId, spanIDSize, "links.spanId"); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return req, nil
}

// otlpJSONID returns the id of size bytes that protojson decoded as base64
// into b. A hex id of 2*size characters is valid base64 too and decodes
// into 3*size/2 bytes: encoding those again gives the hex text back, which
// is decoded as hex. An id of size bytes was sent in base64 and is kept;
// an empty one is kept empty.
func otlpJSONID(b []byte, size int, field string) ([]byte, error) {
	switch len(b) {
	case 0, size:
		return b, nil
	case size * 3 / 2:
		id, err := hex.DecodeString(base64.StdEncoding.EncodeToString(b))
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not %d hex digits", errMalformed, field, 2*size)
		}
		return id, nil
	default:
		return nil, fmt.Errorf("%w: %s is not %d hex digits", errMalformed, field, 2*size)
	}
}
