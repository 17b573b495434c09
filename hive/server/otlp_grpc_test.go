package server_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/hivetrace/hivetrace/hive/server"
)

func TestOTLPGRPCStoresTheRunsRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []otlptracegrpc.Option
	}{
		{"plain", nil},
		{"gzip", []otlptracegrpc.Option{otlptracegrpc.WithCompressor("gzip")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := server.NewMemoryStore()
			n := startNode(t, store)
			runs := makeRuns(t, "svc", 4, 3)
			require.NoError(t, exportGRPC(t, n.grpc, runs.spans, tc.opts...))
			requireRecords(t, store, runs)
			assert.Equal(t, server.OTLPStats{Exports: 1, Spans: 16, Records: 4}, n.srv.OTLPStats())
		})
	}
}

// grpcExport sends a request with the authorization metadata auth (none
// when empty).
func grpcExport(t *testing.T, addr, auth string, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if auth != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
	}
	return coltracepb.NewTraceServiceClient(conn).Export(ctx, req)
}

func TestOTLPGRPCPartialSuccess(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 2)
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(exportBody(t, runs.spans), req))
	ss := req.ResourceSpans[0].ScopeSpans[0]
	ss.Spans = append(ss.Spans, badSpan("hive.kind", "bogus"))

	resp, err := grpcExport(t, n.grpc, "Bearer "+apiKey+":"+apiSecret, req)
	require.NoError(t, err)
	require.NotNil(t, resp.PartialSuccess)
	assert.Equal(t, int64(1), resp.PartialSuccess.RejectedSpans)
	assert.Contains(t, resp.PartialSuccess.ErrorMessage, "bogus")
	requireRecords(t, store, runs)
}

func TestOTLPGRPCAuth(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 1)
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(exportBody(t, runs.spans), req))

	for _, auth := range []string{"", "Bearer " + apiKey + ":wrong", "Basic abc"} {
		_, err := grpcExport(t, n.grpc, auth, req)
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "authorization %q: %v", auth, err)
	}
	err := exportGRPC(t, n.grpc, runs.spans, otlptracegrpc.WithHeaders(map[string]string{"authorization": "Bearer " + apiKey + ":wrong"}))
	assert.Equal(t, codes.Unauthenticated, status.Code(unwrapGRPC(err)), "%v", err)
	assert.Empty(t, storedRecords(t, store))
}

// unwrapGRPC finds the gRPC status error the SDK exporter wraps.
func unwrapGRPC(err error) error {
	for e := err; e != nil; {
		if _, ok := status.FromError(e); ok {
			return e
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return err
}

func TestOTLPFailedAttemptsAreThrottledAcrossProtocols(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store, server.WithAuthThrottle(3, time.Minute, time.Minute))
	runs := makeRuns(t, "svc", 1, 1)
	body := exportBody(t, runs.spans)
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(body, req))

	for range 3 {
		_, err := grpcExport(t, n.grpc, "Bearer "+apiKey+":wrong", req)
		require.Equal(t, codes.Unauthenticated, status.Code(err))
	}
	// The address is blocked: the right secret is refused too, on both
	// protocols, with the wait to make.
	_, err := grpcExport(t, n.grpc, "Bearer "+apiKey+":"+apiSecret, req)
	st := status.Convert(err)
	require.Equal(t, codes.ResourceExhausted, st.Code(), "%v", err)
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retry = ri
		}
	}
	require.NotNil(t, retry, "ResourceExhausted carries a RetryInfo")
	assert.Greater(t, retry.RetryDelay.AsDuration(), 50*time.Second)

	resp := n.post(body, "application/x-protobuf", "")
	requireStatusBody(t, resp, http.StatusTooManyRequests, false)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Empty(t, storedRecords(t, store))
}

func TestServeOTLPGRPCStopsWithItsContext(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 1)
	require.NoError(t, exportGRPC(t, n.grpc, runs.spans))
	n.stop() // requires ServeOTLPGRPC and Serve to return nil
	err := exportGRPC(t, n.grpc, runs.spans, otlptracegrpc.WithTimeout(time.Second))
	require.Error(t, err, "the listener is closed")
}

func TestOTLPBodyBudgetFullIsRetryable(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store, server.WithBodyBudget(8<<10))
	runs := makeRuns(t, "svc", 4, 3)
	body := exportBody(t, runs.spans)
	require.Greater(t, len(body), 1<<10)

	// A request whose body is still coming holds 7 KiB of the budget.
	pr, pw := io.Pipe()
	held, err := http.NewRequest(http.MethodPost, n.url+server.OTLPTracesPath, pr)
	require.NoError(t, err)
	held.ContentLength = 7 << 10
	held.Header.Set("Content-Type", "application/x-protobuf")
	held.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
	heldDone := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(held)
		if err != nil {
			heldDone <- 0
			return
		}
		resp.Body.Close()
		heldDone <- resp.StatusCode
	}()
	_, err = pw.Write([]byte{0x0a})
	require.NoError(t, err)

	// Once the server holds the reservation, a request that does not fit
	// what is left is refused, unread (until then it may be stored: the
	// runs are stored once whatever happens).
	var resp *http.Response
	require.Eventually(t, func() bool {
		resp = n.post(body, "application/x-protobuf", "")
		return resp.StatusCode == http.StatusServiceUnavailable
	}, 10*time.Second, 5*time.Millisecond)
	st := requireStatusBody(t, resp, http.StatusServiceUnavailable, false)
	assert.Contains(t, st.Message, "body budget")
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))

	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(body, req))
	_, err = grpcExport(t, n.grpc, "Bearer "+apiKey+":"+apiSecret, req)
	gst := status.Convert(err)
	require.Equal(t, codes.Unavailable, gst.Code(), "%v", err)
	require.NotEmpty(t, gst.Details(), "Unavailable carries a RetryInfo")

	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-heldDone
	require.NoError(t, exportHTTP(t, n.url, runs.spans), "the budget is free again")
	requireRecords(t, store, runs)
}
