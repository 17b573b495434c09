package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
	"github.com/hivetrace/hivetrace/task"
)

// otlpTaskName is the task the OTLP tests run.
const otlpTaskName = "otlp-work"

// workIn is the input of the task the OTLP tests run.
type workIn struct {
	N    int    `json:"n"`
	Note string `json:"note"`
}

// workOut is its output.
type workOut struct {
	Sum int `json:"sum"`
}

// runSet is runs of the test task: their spans, as an SDK exporter gets
// them, and the records the runs returned.
type runSet struct {
	spans   []sdktrace.ReadOnlySpan
	records []*otelrecord.ExecutionRecord
}

// makeRuns runs the test task n times, each run calling its boundary calls
// times with payloads of about 200 bytes, on an SDK tracer provider whose
// resource names the service svc and whose spans land in memory. Every
// even run sets metadata and a metric; run 1 fails when n > 1.
func makeRuns(t testing.TB, svc string, n, calls int, resAttrs ...attribute.KeyValue) runSet {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	res := resource.NewSchemaless(append([]attribute.KeyValue{attribute.String("service.name", svc)}, resAttrs...)...)
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSyncer(mem))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	fetch := boundary.New("fetch", func(_ context.Context, i int) (string, error) {
		return fmt.Sprintf("%03d-%s", i, strings.Repeat("r", 90)), nil
	})
	tk := task.New(otlpTaskName, func(ctx context.Context, in workIn) (workOut, error) {
		sum := 0
		for i := range in.N {
			out, err := fetch.Call(ctx, i)
			if err != nil {
				return workOut{}, err
			}
			sum += len(out)
		}
		if in.N%2 == 0 {
			_ = task.SetMetadata(ctx, "parity", "even")
			_ = task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "sum", Value: float64(sum)})
		}
		if strings.HasPrefix(in.Note, "fail") {
			return workOut{}, fmt.Errorf("run %q failed", in.Note)
		}
		return workOut{Sum: sum}, nil
	}, task.WithBoundaries(fetch), task.WithTracerProvider(tp))

	var rs runSet
	for i := range n {
		note := fmt.Sprintf("run-%d-%s", i, strings.Repeat("p", 80))
		if i == 1 {
			note = "fail-" + note
		}
		_, rec, _ := tk.SafeRun(context.Background(), workIn{N: calls, Note: note})
		require.NotNil(t, rec)
		rs.records = append(rs.records, rec)
	}
	rs.spans = mem.GetSpans().Snapshots()
	require.Len(t, rs.spans, n*(calls+1))
	return rs
}

// taskSpans and boundarySpans split spans by kind.
func splitSpans(spans []sdktrace.ReadOnlySpan) (tasks, boundaries []sdktrace.ReadOnlySpan) {
	for _, s := range spans {
		kind, _ := otelrecord.Classify(s.Attributes())
		if kind == otelrecord.KindTask {
			tasks = append(tasks, s)
		} else {
			boundaries = append(boundaries, s)
		}
	}
	return tasks, boundaries
}

// otlpHeaders are the credentials of the test server as OTLP headers.
func otlpHeaders() map[string]string {
	return map[string]string{"Authorization": "Bearer " + apiKey + ":" + apiSecret}
}

// exportHTTP sends spans to the OTLP/HTTP endpoint at base with the SDK's
// OTLP/HTTP exporter, without retries.
func exportHTTP(t testing.TB, base string, spans []sdktrace.ReadOnlySpan, opts ...otlptracehttp.Option) error {
	t.Helper()
	ctx := context.Background()
	opts = append([]otlptracehttp.Option{
		otlptracehttp.WithEndpointURL(base + server.OTLPTracesPath),
		otlptracehttp.WithHeaders(otlpHeaders()),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
	}, opts...)
	exp, err := otlptracehttp.New(ctx, opts...)
	require.NoError(t, err)
	defer func() { require.NoError(t, exp.Shutdown(ctx)) }()
	return exp.ExportSpans(ctx, spans)
}

// exportGRPC sends spans to the OTLP/gRPC endpoint at addr with the SDK's
// OTLP/gRPC exporter, without retries.
func exportGRPC(t testing.TB, addr string, spans []sdktrace.ReadOnlySpan, opts ...otlptracegrpc.Option) error {
	t.Helper()
	ctx := context.Background()
	opts = append([]otlptracegrpc.Option{
		otlptracegrpc.WithEndpoint(addr),
		otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithHeaders(otlpHeaders()),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}),
	}, opts...)
	exp, err := otlptracegrpc.New(ctx, opts...)
	require.NoError(t, err)
	defer func() { require.NoError(t, exp.Shutdown(ctx)) }()
	return exp.ExportSpans(ctx, spans)
}

// exportBody returns the protobuf body the SDK's OTLP/HTTP exporter sends
// for spans.
func exportBody(t testing.TB, spans []sdktrace.ReadOnlySpan) []byte {
	t.Helper()
	var mu sync.Mutex
	var body []byte
	hs := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err == nil {
			mu.Lock()
			body = data
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	require.NoError(t, exportHTTP(t, hs, spans))
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, body)
	return body
}

// newLoopbackServer serves h on a loopback port until the test ends and
// returns its base URL.
func newLoopbackServer(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String()
}

// otlpNode is a Server on a store, serving HTTP and OTLP/gRPC on loopback
// ports until it is stopped or the test ends.
type otlpNode struct {
	t       testing.TB
	srv     *server.Server
	store   server.Store
	url     string // http://host:port
	grpc    string // host:port
	cancel  context.CancelFunc
	httpErr chan error
	grpcErr chan error
}

// startNode serves store with the test credentials and a discarding
// logger; opts come last.
func startNode(t testing.TB, store server.Store, opts ...server.Option) *otlpNode {
	t.Helper()
	base := []server.Option{server.WithCredentials(apiKey, apiSecret), server.WithLogger(slog.New(slog.DiscardHandler))}
	n := &otlpNode{t: t, store: store, srv: server.New(store, append(base, opts...)...),
		httpErr: make(chan error, 1), grpcErr: make(chan error, 1)}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	n.url, n.grpc = "http://"+hl.Addr().String(), gl.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() { n.httpErr <- n.srv.Serve(ctx, hl) }()
	go func() { n.grpcErr <- n.srv.ServeOTLPGRPC(ctx, gl) }()
	t.Cleanup(n.stop)
	return n
}

// stop stops serving; it is a no-op when stopped.
func (n *otlpNode) stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	n.cancel = nil
	require.NoError(n.t, <-n.httpErr)
	require.NoError(n.t, <-n.grpcErr)
}

// post sends body to the OTLP/HTTP endpoint with the content type and, when
// not empty, the content encoding, and returns the answer.
func (n *otlpNode) post(body []byte, contentType, contentEncoding string) *http.Response {
	n.t.Helper()
	req, err := http.NewRequest(http.MethodPost, n.url+server.OTLPTracesPath, bytes.NewReader(body))
	require.NoError(n.t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
	if contentEncoding != "" {
		req.Header.Set("Content-Encoding", contentEncoding)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(n.t, err)
	n.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// records returns the stored records of the test task, decoded.
func storedRecords(t testing.TB, store server.Store) []*otelrecord.ExecutionRecord {
	t.Helper()
	logs, err := store.ListLogs(context.Background(), server.LogQuery{TaskName: otlpTaskName})
	require.NoError(t, err)
	out := make([]*otelrecord.ExecutionRecord, 0, len(logs))
	for _, l := range logs {
		var rec otelrecord.ExecutionRecord
		require.NoError(t, json.Unmarshal(l.Record, &rec), "record: %s", l.Record)
		out = append(out, &rec)
	}
	return out
}

// requireRecords requires the store to hold exactly the records of runs,
// each equal to the record its run returned.
func requireRecords(t testing.TB, store server.Store, runs ...runSet) {
	t.Helper()
	got := storedRecords(t, store)
	n := 0
	for _, rs := range runs {
		for _, want := range rs.records {
			fidelity.AssertIn(t, got, want)
			n++
		}
	}
	require.Len(t, got, n)
}

// exportResponse decodes an OTLP/HTTP answer in the protobuf encoding.
func exportResponse(t testing.TB, resp *http.Response) *coltracepb.ExportTraceServiceResponse {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %q", data)
	require.Equal(t, "application/x-protobuf", resp.Header.Get("Content-Type"))
	out := new(coltracepb.ExportTraceServiceResponse)
	require.NoError(t, proto.Unmarshal(data, out))
	return out
}

// collectorJSON re-encodes a protobuf export as the OpenTelemetry
// Collector's OTLP/HTTP exporter writes OTLP JSON (pdata): hex ids, 64-bit
// integers as strings, enums as numbers.
func collectorJSON(t testing.TB, body []byte) []byte {
	t.Helper()
	req := ptraceotlp.NewExportRequest()
	require.NoError(t, req.UnmarshalProto(body))
	data, err := req.MarshalJSON()
	require.NoError(t, err)
	return data
}

// badSpan returns a span with a fresh id and the string attributes given
// as key, value pairs.
func badSpan(kvs ...string) *tracepb.Span {
	sp := &tracepb.Span{TraceId: bytes.Repeat([]byte{7}, 16), SpanId: make([]byte, 8), Name: "bad",
		StartTimeUnixNano: 1, EndTimeUnixNano: 2}
	_, _ = rand.Read(sp.SpanId)
	for i := 0; i+1 < len(kvs); i += 2 {
		sp.Attributes = append(sp.Attributes, &commonpb.KeyValue{Key: kvs[i],
			Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: kvs[i+1]}}})
	}
	return sp
}

// plainSpans returns n ended spans outside the convention.
func plainSpans(t testing.TB, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for i := range n {
		_, sp := tp.Tracer("plain").Start(context.Background(), fmt.Sprintf("op-%d", i))
		sp.SetAttributes(attribute.String("http.route", "/x"))
		sp.End()
	}
	return mem.GetSpans().Snapshots()
}

// readTestdata returns a file of testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// sdkSpans describes SDK spans as otelrecord spans (otelrecord/sdkspan).
func sdkSpans(spans []sdktrace.ReadOnlySpan) []otelrecord.Span {
	return sdkspan.Spans(spans)
}
