package jaegertest

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// waitTimeout bounds how long a test waits for Jaeger to store spans. It is
// a safety net against a hung test, not a performance assertion.
const waitTimeout = time.Minute

// TestJaeger starts one real Jaeger and exercises it over both OTLP
// protocols and the query API.
func TestJaeger(t *testing.T) {
	j := Start(t)

	t.Run("ports are free loopback ports, not the defaults", func(t *testing.T) {
		defaults := map[int]bool{4317: true, 4318: true, 16686: true, 16685: true}
		seen := map[int]bool{}
		for _, ep := range []string{j.OTLPGRPCEndpoint(), j.OTLPHTTPEndpoint(), j.QueryURL()[len("http://"):], j.QueryGRPCEndpoint()} {
			host, p, err := net.SplitHostPort(ep)
			require.NoError(t, err)
			port, err := strconv.Atoi(p)
			require.NoError(t, err)
			assert.Equal(t, "127.0.0.1", host)
			assert.False(t, defaults[port], "port %d is a Jaeger default", port)
			assert.False(t, seen[port], "port %d used twice", port)
			seen[port] = true
		}
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, j.QueryURL())
	})

	t.Run("spans exported over OTLP gRPC come back", func(t *testing.T) {
		exp, err := otlptracegrpc.New(t.Context(),
			otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint()), otlptracegrpc.WithInsecure())
		require.NoError(t, err)
		checkRoundTrip(t, j, exp, "jaegertest-grpc")
	})

	t.Run("spans exported over OTLP HTTP come back", func(t *testing.T) {
		exp, err := otlptracehttp.New(t.Context(),
			otlptracehttp.WithEndpoint(j.OTLPHTTPEndpoint()), otlptracehttp.WithInsecure())
		require.NoError(t, err)
		checkRoundTrip(t, j, exp, "jaegertest-http")
	})

	t.Run("an absent trace is ErrNotFound", func(t *testing.T) {
		id := trace.TraceID{0xde, 0xad, 0xbe, 0xef, 1}.String()
		_, err := j.Trace(t.Context(), id)
		require.ErrorIs(t, err, ErrNotFound)

		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err = j.WaitTrace(ctx, id, 1)
		require.ErrorIs(t, err, ErrNotFound)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("a malformed trace id is rejected before any request", func(t *testing.T) {
		_, err := j.Trace(t.Context(), "not-hex")
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNotFound)
	})
}

// checkRoundTrip exports a root span with two children through exp and
// checks that Jaeger returns the three spans with their names, ids and
// parents, and that WaitTrace reports a trace with fewer spans than asked.
func checkRoundTrip(t *testing.T, j *Jaeger, exp sdktrace.SpanExporter, service string) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	)
	tracer := tp.Tracer("jaegertest")
	ctx, root := tracer.Start(t.Context(), "root")
	_, a := tracer.Start(ctx, "child-a")
	a.End()
	_, b := tracer.Start(ctx, "child-b")
	b.End()
	root.End()
	require.NoError(t, tp.Shutdown(t.Context()))

	traceID := root.SpanContext().TraceID()
	rootID := root.SpanContext().SpanID()
	want := map[trace.SpanID]struct {
		name   string
		parent trace.SpanID
	}{
		rootID:                   {name: "root"},
		a.SpanContext().SpanID(): {name: "child-a", parent: rootID},
		b.SpanContext().SpanID(): {name: "child-b", parent: rootID},
	}

	wctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	spans, err := j.WaitTrace(wctx, traceID.String(), len(want))
	require.NoError(t, err)
	require.Len(t, spans, len(want))
	for _, s := range spans {
		w, ok := want[s.SpanID]
		require.True(t, ok, "unexpected span %+v", s)
		assert.Equal(t, traceID, s.TraceID)
		assert.Equal(t, w.name, s.Name)
		assert.Equal(t, w.parent, s.ParentSpanID)
	}
	services, err := j.Services(wctx)
	require.NoError(t, err)
	assert.Contains(t, services, service, "the resource's service.name reached Jaeger")

	// Every span is stored now, so asking for one more can only time out.
	short, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	_, err = j.WaitTrace(short, traceID.String(), len(want)+1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "holds 3 of 4 spans")
}

// fakeTB records Skip and Fatal instead of stopping the test, so Start's
// failure paths can be observed. Everything else goes to the real test.
type fakeTB struct {
	testing.TB
	skipped string
	fatal   string
	logs    []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = sprintf(format, args...)
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = sprintf(format, args...)
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, sprintf(format, args...))
}

func TestStartWithoutBinary(t *testing.T) {
	t.Setenv(EnvBinary, t.TempDir()+"/missing-jaeger")

	t.Run("skips outside CI", func(t *testing.T) {
		t.Setenv("CI", "")
		f := &fakeTB{TB: t}
		assert.Nil(t, Start(f))
		assert.Contains(t, f.skipped, "jaeger binary not found")
		assert.Contains(t, f.skipped, "make jaeger")
		assert.Empty(t, f.fatal)
	})

	t.Run("fails in CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		f := &fakeTB{TB: t}
		assert.Nil(t, Start(f))
		assert.Contains(t, f.fatal, "required when CI=true")
		assert.Empty(t, f.skipped)
	})
}

func TestStartBinaryThatExits(t *testing.T) {
	t.Setenv("CI", "")

	t.Run("reports the output", func(t *testing.T) {
		t.Setenv(EnvBinary, writeScript(t, "echo 'config is bad' >&2\nexit 3"))
		f := &fakeTB{TB: t}
		assert.Nil(t, Start(f))
		assert.Contains(t, f.skipped, "exited before serving")
		assert.Contains(t, f.skipped, "config is bad")
		assert.Empty(t, f.logs, "no retry for an error other than address in use")
	})

	t.Run("retries on address already in use", func(t *testing.T) {
		t.Setenv(EnvBinary, writeScript(t, "echo 'listen tcp 127.0.0.1:1: bind: address already in use' >&2\nexit 1"))
		f := &fakeTB{TB: t}
		assert.Nil(t, Start(f))
		assert.Len(t, f.logs, startAttempts-1)
		assert.Contains(t, f.skipped, "address already in use")
	})
}

func TestBinaryPath(t *testing.T) {
	t.Run("from the environment", func(t *testing.T) {
		p := writeScript(t, "exit 0")
		t.Setenv(EnvBinary, p)
		got, err := BinaryPath()
		require.NoError(t, err)
		assert.Equal(t, p, got)
	})

	t.Run("missing file", func(t *testing.T) {
		t.Setenv(EnvBinary, t.TempDir()+"/nope")
		_, err := BinaryPath()
		require.ErrorIs(t, err, ErrBinaryNotFound)
	})

	t.Run("not executable", func(t *testing.T) {
		p := t.TempDir() + "/jaeger"
		require.NoError(t, writeFile(p, "data", 0o600))
		t.Setenv(EnvBinary, p)
		_, err := BinaryPath()
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrBinaryNotFound)
		assert.Contains(t, err.Error(), "not an executable file")
	})

	t.Run("default is under the repository root", func(t *testing.T) {
		t.Setenv(EnvBinary, "")
		got, err := BinaryPath()
		if errors.Is(err, ErrBinaryNotFound) {
			assert.Contains(t, err.Error(), "/.cache/bin/jaeger")
			return
		}
		require.NoError(t, err)
		assert.Regexp(t, `/\.cache/bin/jaeger$`, got)
	})
}

func TestRepoRoot(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, writeFile(root+"/go.mod", "// the library\nmodule github.com/hivetrace/hivetrace\n\ngo 1.26\n", 0o600))
	require.NoError(t, mkdirAll(root+"/tools/sub/deeper"))
	require.NoError(t, writeFile(root+"/tools/go.mod", "module github.com/hivetrace/hivetrace/tools\n", 0o600))

	got, err := repoRoot(root + "/tools/sub/deeper")
	require.NoError(t, err)
	assert.Equal(t, root, got, "the tools module is not the root")

	other := t.TempDir()
	_, err = repoRoot(other)
	require.ErrorIs(t, err, ErrBinaryNotFound)
}

func TestModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"module github.com/hivetrace/hivetrace\n":            "github.com/hivetrace/hivetrace",
		"// c\n\nmodule  example.com/m // trailing\ngo 1.26": "example.com/m",
		"module \"example.com/quoted\"\n":                    "example.com/quoted",
		"module\texample.com/tab":                            "example.com/tab",
		"modules example.com/x\n":                            "",
		"go 1.26\n":                                          "",
		"module \"unterminated\n":                            "",
		"":                                                   "",
	} {
		assert.Equal(t, want, modulePath([]byte(in)), "go.mod %q", in)
	}
}

func TestFreeAddrs(t *testing.T) {
	addrs, err := freeAddrs(4)
	require.NoError(t, err)
	require.Len(t, addrs, 4)
	seen := map[string]bool{}
	for _, a := range addrs {
		assert.False(t, seen[a], "duplicate %s", a)
		seen[a] = true
		// Closed again, so the port can be taken.
		l, err := net.Listen("tcp", a)
		require.NoError(t, err)
		require.NoError(t, l.Close())
	}
}

func TestLogBufferKeepsTheTail(t *testing.T) {
	b := newLogBuffer(8)
	_, _ = b.Write([]byte("0123"))
	assert.Equal(t, "0123", b.String())
	n, err := b.Write([]byte("456789"))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	assert.Equal(t, "[earlier output dropped]\n23456789", b.String())
}
