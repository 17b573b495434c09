package run

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestPanicError(t *testing.T) {
	err := PanicError("boom")
	require.ErrorIs(t, err, ErrPanic)
	assert.EqualError(t, err, "panic: boom")

	cause := errors.New("bad state")
	err = PanicError(cause)
	require.ErrorIs(t, err, ErrPanic)
	require.ErrorIs(t, err, cause)
	assert.EqualError(t, err, "panic: bad state")

	assert.EqualError(t, PanicError(42), "panic: 42")
}

func panics(v any) (err error) {
	defer Recover(nil, &err)
	panic(v)
}

func returns(want error) (err error) {
	defer Recover(nil, &err)
	return want
}

func TestRecover(t *testing.T) {
	assert.EqualError(t, panics("boom"), "panic: boom")
	want := errors.New("plain")
	assert.Same(t, want, returns(want), "no panic: the result is untouched")
	assert.NoError(t, returns(nil))

	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("test").Start(t.Context(), "s")
	func() (err error) {
		defer Recover(span, &err)
		panic("on a span")
	}()
	span.End()
	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	require.Len(t, spans[0].Events, 1)
	ev := spans[0].Events[0]
	assert.Equal(t, "exception", ev.Name)
	attrs := map[string]string{}
	for _, kv := range ev.Attributes {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	assert.Equal(t, "panic: on a span", attrs["exception.message"])
	assert.Contains(t, attrs["exception.stacktrace"], "panic_test.go", "the stack of the panicking frame")
}
