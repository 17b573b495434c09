package sdkspan_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

func TestSpanDescribesEveryField(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	start := time.Unix(1779013800, 0)
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent", trace.WithTimestamp(start))
	_, child := tp.Tracer("t").Start(ctx, "child", trace.WithTimestamp(start.Add(time.Millisecond)),
		trace.WithAttributes(attribute.String("k", "v")))
	child.AddEvent("e", trace.WithTimestamp(start.Add(2*time.Millisecond)), trace.WithAttributes(attribute.Int("n", 1)))
	child.SetStatus(codes.Error, "boom")
	child.End(trace.WithTimestamp(start.Add(3 * time.Millisecond)))
	parent.End(trace.WithTimestamp(start.Add(4 * time.Millisecond)))

	spans := sdkspan.Spans(append([]sdktrace.ReadOnlySpan{nil}, exp.GetSpans().Snapshots()...))
	require.Len(t, spans, 2, "nil spans are skipped")
	c := spans[0]
	assert.Equal(t, "child", c.Name)
	assert.Equal(t, spans[1].SpanID, c.ParentSpanID)
	assert.Equal(t, spans[1].TraceID, c.TraceID)
	assert.True(t, c.StartTime.Equal(start.Add(time.Millisecond)))
	assert.True(t, c.EndTime.Equal(start.Add(3*time.Millisecond)))
	assert.Equal(t, []attribute.KeyValue{attribute.String("k", "v")}, c.Attributes)
	assert.Equal(t, []otelrecord.Event{{Name: "e", Time: start.Add(2 * time.Millisecond),
		Attributes: []attribute.KeyValue{attribute.Int("n", 1)}}}, c.Events)
	assert.Equal(t, codes.Error, c.StatusCode)
	assert.Equal(t, "boom", c.StatusMessage)
	assert.False(t, spans[1].ParentSpanID.IsValid())
}

func TestSpanOfNil(t *testing.T) {
	assert.Equal(t, otelrecord.Span{}, sdkspan.Span(nil))
	assert.Empty(t, sdkspan.Spans(nil))
}
