package exporter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestRecordHiveSpansDecisions(t *testing.T) {
	ts, err := trace.ParseTraceState("vendor=value")
	require.NoError(t, err)
	parent := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceState: ts, // not sampled
	}))
	hive := []attribute.KeyValue{otelrecord.KindKey.String(otelrecord.KindBoundary)}
	params := func(attrs []attribute.KeyValue) sdktrace.SamplingParameters {
		return sdktrace.SamplingParameters{ParentContext: parent, TraceID: trace.TraceID{1}, Name: "s", Attributes: attrs}
	}

	tests := []struct {
		name  string
		base  sdktrace.Sampler
		attrs []attribute.KeyValue
		want  sdktrace.SamplingDecision
	}{
		{"hive span the base drops is recorded", sdktrace.NeverSample(), hive, sdktrace.RecordOnly},
		{"other span the base drops stays dropped", sdktrace.NeverSample(), nil, sdktrace.Drop},
		{"sampled hive span stays sampled", sdktrace.AlwaysSample(), hive, sdktrace.RecordAndSample},
		{"unsampled parent: hive span recorded", sdktrace.ParentBased(sdktrace.AlwaysSample()), hive, sdktrace.RecordOnly},
		{"unsampled parent: other span dropped", sdktrace.ParentBased(sdktrace.AlwaysSample()), nil, sdktrace.Drop},
		{"ratio 0: hive span recorded", sdktrace.TraceIDRatioBased(0), hive, sdktrace.RecordOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := exporter.RecordHiveSpans(tt.base)
			r := s.ShouldSample(params(tt.attrs))
			assert.Equal(t, tt.want, r.Decision)
			assert.Equal(t, "vendor=value", r.Tracestate.String(), "the base's tracestate is kept")
			assert.Equal(t, "RecordHiveSpans{"+tt.base.Description()+"}", s.Description())
		})
	}
}

func TestRecordHiveSpansNilBase(t *testing.T) {
	s := exporter.RecordHiveSpans(nil)
	assert.Equal(t, "RecordHiveSpans{"+sdktrace.ParentBased(sdktrace.AlwaysSample()).Description()+"}", s.Description())
}

// TestRatioZeroStillRebuildsEveryRecord is the sampling guarantee: with a
// ratio-0 sampler the exporter receives no span while every record is
// rebuilt.
func TestRatioZeroStillRebuildsEveryRecord(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	sink := &collector{}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.RecordHiveSpans(sdktrace.TraceIDRatioBased(0))),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink)),
		sdktrace.WithBatcher(exp),
	)
	tracer := tp.Tracer("test")
	ctx := context.Background()

	const runs = 50
	var wants []*otelrecord.ExecutionRecord
	for i := range runs {
		r := sampleRun("sampled-out")
		if i%2 == 1 { // half the runs nest another task
			o := startRun(ctx, t, tracer, fakeRun{task: "outer", declared: []string{"inner"}})
			wants = append(wants, emitRun(o.ctx, t, tracer, r))
			o.call(fakeCall{name: "inner", input: `[{}]`, output: `null`})
			wants = append(wants, o.end())
			continue
		}
		wants = append(wants, emitRun(ctx, t, tracer, r))
	}
	_, plain := tracer.Start(ctx, "plain")
	assert.False(t, plain.IsRecording(), "other spans stay as cheap as the base sampler makes them")
	plain.End()

	require.NoError(t, tp.Shutdown(ctx))
	assert.Empty(t, exp.GetSpans(), "the exporter receives no span")
	got := byUUID(sink.records())
	require.Len(t, got, len(wants), "100%% of records are rebuilt")
	for _, w := range wants {
		assertSameRecord(t, w, got[w.UUID])
	}
}
