package exporter

import (
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// RecordHiveSpans returns a sampler that decides like base, except that a
// span started with the hive.kind attribute (a task-run or boundary span,
// which pass it at Start) that base drops is recorded but not sampled
// (RecordOnly), keeping the tracestate base returned. Such spans reach every
// span processor's OnEnd, so the record processor rebuilds every record,
// while exporters behind a BatchSpanProcessor, which exports sampled spans
// only, do not send them. Records thus do not depend on the sampling ratio,
// and other spans of the service stay as cheap as base makes them.
//
// A nil base means sdktrace.ParentBased(sdktrace.AlwaysSample()), the SDK's
// default.
func RecordHiveSpans(base sdktrace.Sampler) sdktrace.Sampler {
	if base == nil {
		base = sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
	return hiveSampler{base: base}
}

type hiveSampler struct {
	base sdktrace.Sampler
}

// ShouldSample implements sdktrace.Sampler.
func (s hiveSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.base.ShouldSample(p)
	if r.Decision == sdktrace.Drop && hasHiveKind(p) {
		r.Decision = sdktrace.RecordOnly
	}
	return r
}

// Description implements sdktrace.Sampler.
func (s hiveSampler) Description() string {
	return "RecordHiveSpans{" + s.base.Description() + "}"
}

func hasHiveKind(p sdktrace.SamplingParameters) bool {
	for _, kv := range p.Attributes {
		if kv.Key == otelrecord.KindKey {
			return true
		}
	}
	return false
}
