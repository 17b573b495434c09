package jaegertest

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformed is returned by ParseTrace for a body that is not a query API
// trace response.
var ErrMalformed = errors.New("jaegertest: malformed trace response")

// Span is the part of a span in a query API response that tests check.
type Span struct {
	TraceID      string // 32 hex digits
	SpanID       string // 16 hex digits
	ParentSpanID string // 16 hex digits; "" for a root span
	Name         string
	Service      string // the resource's service.name, "" when absent
}

// traceResponse is as much of the OTLP JSON response as ParseTrace needs.
type traceResponse struct {
	Result *struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []struct {
					Key   string `json:"key"`
					Value struct {
						StringValue string `json:"stringValue"`
					} `json:"value"`
				} `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Spans []struct {
					TraceID      string `json:"traceId"`
					SpanID       string `json:"spanId"`
					ParentSpanID string `json:"parentSpanId"`
					Name         string `json:"name"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
}

// ParseTrace decodes a body returned by Trace into its spans, in the order
// the response lists them. The error wraps ErrMalformed when body is not a
// JSON object with a "result" member of the expected shape.
func ParseTrace(body []byte) ([]Span, error) {
	var r traceResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if r.Result == nil {
		return nil, fmt.Errorf("%w: no result", ErrMalformed)
	}
	var spans []Span
	for _, rs := range r.Result.ResourceSpans {
		service := ""
		for _, kv := range rs.Resource.Attributes {
			if kv.Key == "service.name" {
				service = kv.Value.StringValue
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				spans = append(spans, Span{
					TraceID:      s.TraceID,
					SpanID:       s.SpanID,
					ParentSpanID: s.ParentSpanID,
					Name:         s.Name,
					Service:      service,
				})
			}
		}
	}
	return spans, nil
}
