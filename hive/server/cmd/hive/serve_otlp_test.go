package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/task"
)

// TestServeOTLP: hive serve takes OTLP/HTTP on --addr and OTLP/gRPC on
// --otlp-grpc-addr, with the API's credentials, and stores the records of
// the runs whose spans it receives.
func TestServeOTLP(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret), "--otlp-grpc-addr", "127.0.0.1:0", "--assembly-wait", "2s")
	var grpcAddr string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`serving OTLP/gRPC on (127\.0\.0\.1:\d+)`).FindStringSubmatch(s.stdout.String())
		if m != nil {
			grpcAddr = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "stdout: %s", s.stdout)

	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	double := boundary.New("double", func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	tk := task.New("otlpTask", func(ctx context.Context, n int) (int, error) { return double.Call(ctx, n) },
		task.WithBoundaries(double), task.WithTracerProvider(tp))

	ctx := context.Background()
	headers := map[string]string{"Authorization": "Bearer " + testKey + ":" + testSecret}
	_, _, err := tk.SafeRun(ctx, 1)
	require.NoError(t, err)
	he, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(s.url+"/v1/traces"), otlptracehttp.WithHeaders(headers))
	require.NoError(t, err)
	require.NoError(t, he.ExportSpans(ctx, mem.GetSpans().Snapshots()))
	require.NoError(t, he.Shutdown(ctx))

	mem.Reset()
	_, _, err = tk.SafeRun(ctx, 2)
	require.NoError(t, err)
	ge, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(grpcAddr), otlptracegrpc.WithInsecure(), otlptracegrpc.WithHeaders(headers))
	require.NoError(t, err)
	require.NoError(t, ge.ExportSpans(ctx, mem.GetSpans().Snapshots()))
	require.NoError(t, ge.Shutdown(ctx))

	req, err := http.NewRequest(http.MethodGet, s.url+"/api/tasks/otlpTask/logs", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", headers["Authorization"])
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	var page struct {
		Logs []json.RawMessage `json:"logs"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page.Logs, 2, "one record per run, from either protocol")
	assert.Equal(t, exitOK, s.stop(t))
}

func TestServeAssemblyWaitMustBePositive(t *testing.T) {
	clearEnv(t)
	code, _, stderr := runCmd(t, "serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--assembly-wait", "0s")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--assembly-wait must be positive")
}

func TestServeOTLPGRPCAddrInUse(t *testing.T) {
	clearEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	code, _, stderr := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", "k", "--api-secret-file", secretFile(t, "s"), "--otlp-grpc-addr", ln.Addr().String())
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "listen on "+ln.Addr().String())
}
