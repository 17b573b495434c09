package exporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func pendingSpan(payload string) sdktrace.ReadOnlySpan {
	return tracetest.SpanStub{Name: "b", Attributes: []attribute.KeyValue{
		attribute.String("hive.boundary.input", payload), attribute.Int("hive.boundary.seq", 1),
	}}.Snapshot()
}

// TestPendingRunsKeepsEachRunApart: spans of interleaved runs go to their
// own run (the last-run shortcut never mixes them), Finish returns a run's
// spans with their summed size, and a span after Finish is late.
func TestPendingRunsKeepsEachRunApart(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	reads := 0
	now := func() time.Time { reads++; return clock }
	r := newPendingRuns(8, time.Minute)

	a1, a2, b1, a3 := pendingSpan("a1"), pendingSpan("aa2"), pendingSpan("b1"), pendingSpan("aaa3")
	for _, k := range []struct {
		run string
		sp  sdktrace.ReadOnlySpan
	}{{"A", a1}, {"A", a2}, {"B", b1}, {"A", a3}} {
		late, expired, evicted := r.Keep(k.run, k.sp, now)
		require.False(t, late)
		require.Zero(t, expired+evicted)
	}
	assert.Equal(t, 2, reads, "the clock is read once a run, when its first span comes")

	spans, size, again := r.Finish("A")
	require.False(t, again)
	assert.Equal(t, []sdktrace.ReadOnlySpan{a1, a2, a3}, spans)
	assert.Equal(t, spanSize(a1)+spanSize(a2)+spanSize(a3), size)
	assert.Equal(t, int64(3*64+len("a1")+len("aa2")+len("aaa3")), size)

	late, _, _ := r.Keep("A", pendingSpan("late"), now)
	assert.True(t, late, "a span of a finished run is late")
	_, _, again = r.Finish("A")
	assert.True(t, again)

	spans, _, _ = r.Finish("B")
	assert.Equal(t, []sdktrace.ReadOnlySpan{b1}, spans)
}

// TestPendingRunsEvictsAndExpires: the oldest run makes room for a new one
// past the bound, runs older than the TTL expire, and the evicted run's
// later spans start a new entry rather than reaching the removed one.
func TestPendingRunsEvictsAndExpires(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	now := func() time.Time { return clock }
	r := newPendingRuns(2, time.Minute)
	r.Keep("A", pendingSpan("x"), now)
	r.Keep("B", pendingSpan("x"), now)
	_, _, evicted := r.Keep("C", pendingSpan("x"), now)
	assert.EqualValues(t, 1, evicted, "A goes to make room")
	r.Keep("A", pendingSpan("y"), now) // evicts B
	spans, _, _ := r.Finish("A")
	assert.Len(t, spans, 1, "A starts over after its eviction")

	clock = clock.Add(2 * time.Minute)
	assert.EqualValues(t, 1, r.Expire(clock), "C is older than the TTL")
	assert.Zero(t, r.Clear())
}
