package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

func TestOTLPHTTPProtobufStoresTheRunsRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []otlptracehttp.Option
	}{
		{"plain", nil},
		{"gzip", []otlptracehttp.Option{otlptracehttp.WithCompression(otlptracehttp.GzipCompression)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := server.NewMemoryStore()
			n := startNode(t, store)
			runs := makeRuns(t, "billing", 4, 3)
			require.NoError(t, exportHTTP(t, n.url, runs.spans, tc.opts...))
			requireRecords(t, store, runs)

			logs, err := store.ListLogs(t.Context(), server.LogQuery{TaskName: otlpTaskName})
			require.NoError(t, err)
			require.NotEmpty(t, logs)
			assert.Equal(t, "billing", logs[0].ProjectName, "the project is named after service.name")
			st := n.srv.OTLPStats()
			assert.Equal(t, server.OTLPStats{Exports: 1, Spans: 16, Records: 4}, st)
		})
	}
}

func TestOTLPHTTPProjectFromResource(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 1, otlpspan.ProjectUUIDKey.String("p-123"),
		otlpspan.ProjectNameKey.String("Payments"))
	require.NoError(t, exportHTTP(t, n.url, runs.spans))
	logs, err := store.ListLogs(t.Context(), server.LogQuery{TaskName: otlpTaskName})
	require.NoError(t, err)
	require.Len(t, logs, 1)
	assert.Equal(t, "p-123", logs[0].ProjectUUID)
	assert.Equal(t, "Payments", logs[0].ProjectName)
}

func TestOTLPHTTPSpansOutsideTheConventionAreCountedNotStored(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 2)
	other := plainSpans(t, 5)
	require.NoError(t, exportHTTP(t, n.url, append(other, runs.spans...)))
	requireRecords(t, store, runs)
	st := n.srv.OTLPStats()
	assert.Equal(t, int64(8), st.Spans)
	assert.Equal(t, int64(5), st.Outside)
	assert.Equal(t, int64(1), st.Records)
}

func TestOTLPHTTPJSON(t *testing.T) {
	runs := makeRuns(t, "svc", 3, 2)
	body := exportBody(t, runs.spans)

	t.Run("collector", func(t *testing.T) {
		store := server.NewMemoryStore()
		n := startNode(t, store)
		resp := n.post(collectorJSON(t, body), "application/json", "")
		requireJSONSuccess(t, resp, 0)
		requireRecords(t, store, runs)
	})
	t.Run("base64 ids", func(t *testing.T) {
		store := server.NewMemoryStore()
		n := startNode(t, store)
		req := new(coltracepb.ExportTraceServiceRequest)
		require.NoError(t, proto.Unmarshal(body, req))
		data, err := protojson.Marshal(req) // a generic protobuf JSON encoder: base64 ids
		require.NoError(t, err)
		resp := n.post(data, "application/json; charset=utf-8", "")
		requireJSONSuccess(t, resp, 0)
		requireRecords(t, store, runs)
	})
	t.Run("gzip", func(t *testing.T) {
		store := server.NewMemoryStore()
		n := startNode(t, store)
		resp := n.post(gzipped(t, collectorJSON(t, body)), "application/json", "gzip")
		requireJSONSuccess(t, resp, 0)
		requireRecords(t, store, runs)
	})
}

func TestOTLPHTTPJSONFixtures(t *testing.T) {
	for _, file := range []string{"otlp_hex_ids.json", "otlp_base64_ids.json"} {
		t.Run(file, func(t *testing.T) {
			store := server.NewMemoryStore()
			n := startNode(t, store)
			resp := n.post(readTestdata(t, file), "application/json", "")
			requireJSONSuccess(t, resp, 0)
			logs, err := store.ListLogs(t.Context(), server.LogQuery{TaskName: "greet"})
			require.NoError(t, err)
			require.Len(t, logs, 1)
			assert.Equal(t, "fixtures", logs[0].ProjectName)
			assert.JSONEq(t, fixtureRecord, string(logs[0].Record))
		})
	}
}

// fixtureRecord is the record of the run in testdata/otlp_*_ids.json.
const fixtureRecord = `{
	"uuid": "0190d7a4-5f3c-7b2e-9a1d-2c4e6f8a0b1c",
	"taskName": "greet",
	"input": {"name": "Ada"},
	"output": "hello Ada",
	"type": "success",
	"boundaries": {"lookup": [{
		"input": ["Ada"], "output": {"title": "Countess"},
		"timing": {"startTime": 1767225600010, "endTime": 1767225600030, "duration": 20}
	}]},
	"metadata": {"trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174"},
	"metrics": [],
	"timing": {"startTime": 1767225600000, "endTime": 1767225600050, "duration": 50}
}`

func TestOTLPHTTPPartialSuccess(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 2, 1)
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(t, proto.Unmarshal(exportBody(t, runs.spans), req))
	ss := req.ResourceSpans[0].ScopeSpans[0]
	ss.Spans = append(ss.Spans,
		badSpan("hive.kind", "bogus"),                           // not a kind of the convention
		badSpan("hive.kind", "task"),                            // a task-run span without run uuid
		badSpan("hive.kind", "boundary", "hive.run.uuid", ".."), // a run uuid that cannot be routed
	)
	body, err := proto.Marshal(req)
	require.NoError(t, err)

	out := exportResponse(t, n.post(body, "application/x-protobuf", ""))
	require.NotNil(t, out.PartialSuccess)
	assert.Equal(t, int64(3), out.PartialSuccess.RejectedSpans)
	assert.Contains(t, out.PartialSuccess.ErrorMessage, `hive.kind "bogus"`)
	assert.Contains(t, out.PartialSuccess.ErrorMessage, "without hive.run.uuid")
	requireRecords(t, store, runs)
	assert.Equal(t, int64(3), n.srv.OTLPStats().Rejected)

	t.Run("JSON", func(t *testing.T) {
		resp := n.post(collectorJSON(t, body), "application/json", "")
		requireJSONSuccess(t, resp, 3)
	})
}

func TestOTLPHTTPFailures(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store, server.WithMaxBodyBytes(64<<10))
	runs := makeRuns(t, "svc", 1, 1)
	body := exportBody(t, runs.spans)

	for _, tc := range []struct {
		name            string
		body            []byte
		contentType     string
		contentEncoding string
		status          int
		json            bool
	}{
		{"undecodable protobuf", []byte("\x0a\xff\xff\xff"), "application/x-protobuf", "", http.StatusBadRequest, false},
		{"undecodable JSON", []byte(`{"resourceSpans": [`), "application/json", "", http.StatusBadRequest, true},
		{"JSON with a bad id", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708"}]}]}]}`),
			"application/json", "", http.StatusBadRequest, true},
		{"not gzip", body, "application/x-protobuf", "gzip", http.StatusBadRequest, false},
		{"unknown content type", body, "text/plain", "", http.StatusUnsupportedMediaType, false},
		{"unknown content encoding", body, "application/x-protobuf", "br", http.StatusUnsupportedMediaType, false},
		{"body over the limit", bytes.Repeat([]byte{0}, 65<<10), "application/x-protobuf", "", http.StatusRequestEntityTooLarge, false},
		{"gzip bomb", gzipped(t, bytes.Repeat([]byte{0}, 8<<20)), "application/x-protobuf", "gzip", http.StatusRequestEntityTooLarge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := n.post(tc.body, tc.contentType, tc.contentEncoding)
			st := requireStatusBody(t, resp, tc.status, tc.json)
			assert.NotEmpty(t, st.Message)
		})
	}
	assert.Empty(t, storedRecords(t, store))

	t.Run("method", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, n.url+server.OTLPTracesPath, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, "POST", resp.Header.Get("Allow"))
	})
}

func TestOTLPHTTPAuth(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	runs := makeRuns(t, "svc", 1, 1)

	err := exportHTTP(t, n.url, runs.spans, otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + apiKey + ":wrong"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")

	req, err := http.NewRequest(http.MethodPost, n.url+server.OTLPTracesPath, bytes.NewReader(exportBody(t, runs.spans)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	st := requireStatusBody(t, resp, http.StatusUnauthorized, false)
	assert.Contains(t, st.Message, "missing Authorization header")
	assert.Equal(t, `Bearer realm="hive"`, resp.Header.Get("WWW-Authenticate"))
	assert.Empty(t, storedRecords(t, store))
}

// requireJSONSuccess checks a 200 answer in the JSON encoding and the
// spans it says were rejected.
func requireJSONSuccess(t *testing.T, resp *http.Response, rejected int64) {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", data)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	out := new(coltracepb.ExportTraceServiceResponse)
	require.NoError(t, protojson.Unmarshal(data, out), "body: %s", data)
	assert.Equal(t, rejected, out.GetPartialSuccess().GetRejectedSpans(), "body: %s", data)
	if rejected == 0 {
		assert.Nil(t, out.PartialSuccess, "a full success leaves partial_success unset")
	}
}

// requireStatusBody checks a failed OTLP/HTTP answer: its status and its
// google.rpc.Status body, in JSON or protobuf.
func requireStatusBody(t *testing.T, resp *http.Response, status int, isJSON bool) *statuspb.Status {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, "body: %q", data)
	st := new(statuspb.Status)
	if isJSON {
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, protojson.Unmarshal(data, st), "body: %s", data)
	} else {
		require.Equal(t, "application/x-protobuf", resp.Header.Get("Content-Type"))
		require.NoError(t, proto.Unmarshal(data, st), "body: %q", data)
	}
	return st
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestOTLPRecordOverTheLimitIsRefused(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store, server.WithMaxRecordBytes(1000))
	big := makeRuns(t, "svc", 2, 3) // records of about 1.6 KB
	small := makeRuns(t, "svc", 1, 0)

	// A run an export carries whole: its spans are refused in the answer.
	out := exportResponse(t, n.post(exportBody(t, append(append([]sdktrace.ReadOnlySpan{}, big.spans...), small.spans...)),
		"application/x-protobuf", ""))
	require.NotNil(t, out.PartialSuccess)
	assert.Equal(t, int64(8), out.PartialSuccess.RejectedSpans)
	assert.Contains(t, out.PartialSuccess.ErrorMessage, "exceeds the limit of 1000 bytes")
	requireRecords(t, store, small)

	// A run assembled from staged spans: refused and counted, once.
	first, second := halves(big.spans)
	require.NoError(t, exportHTTP(t, n.url, first))
	require.NoError(t, exportHTTP(t, n.url, second))
	assert.Equal(t, int64(2), n.srv.OTLPStats().Refused)
	requireRecords(t, store, small)
	require.NoError(t, exportHTTP(t, n.url, second))
	assert.Equal(t, int64(2), n.srv.OTLPStats().Refused, "a refused run is done")
}

func TestOTLPResourceNamingAnInvalidProjectIsRefused(t *testing.T) {
	store := server.NewMemoryStore()
	n := startNode(t, store)
	bad := makeRuns(t, "svc", 1, 1, otlpspan.ProjectUUIDKey.String(".."))
	good := makeRuns(t, "svc", 1, 1)
	req := mustRequest(t, exportBody(t, bad.spans))
	req.ResourceSpans = append(req.ResourceSpans, mustRequest(t, exportBody(t, good.spans)).ResourceSpans...)
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	out := exportResponse(t, n.post(body, "application/x-protobuf", ""))
	require.NotNil(t, out.PartialSuccess)
	assert.Equal(t, int64(2), out.PartialSuccess.RejectedSpans)
	assert.Contains(t, out.PartialSuccess.ErrorMessage, "hive.project.uuid")
	requireRecords(t, store, good)
}
