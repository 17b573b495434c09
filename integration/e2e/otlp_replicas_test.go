package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// TestOTLPRunsSplitAcrossTwoHiveServes sends each run's spans over OTLP to
// two hive serve processes sharing one SQLite file, the task-run span to one
// and the boundary spans to the other (boundary spans first for half the
// runs): every run is assembled once, into the record the run itself made,
// and both processes serve it.
func TestOTLPRunsSplitAcrossTwoHiveServes(t *testing.T) {
	cleanEnv(t)
	resetGlobals(t)
	db := filepath.Join(t.TempDir(), "hive.db")
	a := startHiveServe(t, "127.0.0.1:0", db, "--assembly-wait", "20s")
	b := startHiveServe(t, "127.0.0.1:0", db, "--assembly-wait", "20s")

	want := splitRunsAcross(t, a, b)

	for _, rec := range want {
		for _, srv := range []*hiveServe{a, b} {
			got := storedRecord(t, srv.URL, rec.TaskName, rec.UUID)
			requireSameRecord(t, rec, got, "run %s (%s) read from %s", rec.UUID, rec.TaskName, srv.URL)
		}
	}
	// Each record once: the listings hold one record per run.
	perTask := map[string]int{}
	for _, rec := range want {
		perTask[rec.TaskName]++
	}
	names := make([]string, 0, len(perTask))
	for name := range perTask {
		names = append(names, name)
	}
	stored, err := hiveRecords(context.Background(), http.DefaultClient, a.URL, hiveProject, names...)
	require.NoError(t, err)
	require.Len(t, stored, len(want), "each run stored once")
}

// exportSpans posts spans to hive serve's /v1/traces as one OTLP/HTTP
// protobuf export of the e2e project, and requires a full success.
func exportSpans(t *testing.T, base string, spans []*tracepb.Span) {
	t.Helper()
	if len(spans) == 0 {
		return
	}
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	body, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			{Key: "service.name", Value: str("e2e-replicas")},
			{Key: string(otlpspan.ProjectUUIDKey), Value: str(hiveProject)},
		}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}},
	}}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+"/v1/traces", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "export answer: %q", data)
	var out coltracepb.ExportTraceServiceResponse
	require.NoError(t, proto.Unmarshal(data, &out))
	require.Zero(t, out.GetPartialSuccess().GetRejectedSpans(), out.GetPartialSuccess().GetErrorMessage())
}

// storedRecord reads a record from the Hive API at base, waiting up to 10 s
// for it to be stored complete.
func storedRecord(t *testing.T, base, taskName, id string) *otelrecord.ExecutionRecord {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, err := http.NewRequest(http.MethodGet, base+"/api/tasks/"+taskName+"/logs/"+id+"?projectUuid="+hiveProject, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		if resp.StatusCode == http.StatusOK {
			var rec otelrecord.ExecutionRecord
			require.NoError(t, json.Unmarshal(answeredRecord(t, data), &rec))
			if _, incomplete := rec.Metadata[otelrecord.MetadataIncomplete]; !incomplete {
				return &rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s of %s not stored complete within 10 s: %d %s", id, taskName, resp.StatusCode, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// splitRunsAcross runs the scenarios with an in-memory span exporter and
// sends each run's spans over OTLP to two hive serve processes, the
// task-run span to one and the boundary spans to the other (alternating
// which replica gets which, and which part goes first). It returns the
// records the runs made themselves.
func splitRunsAcross(t *testing.T, a, b *hiveServe) []*otelrecord.ExecutionRecord {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	otel.SetTracerProvider(tp)
	s := newScenarios()
	s.run(context.Background(), t)
	want := s.all()
	require.GreaterOrEqual(t, len(want), 6)

	stubs := exp.GetSpans()
	sdk := make([]sdktrace.ReadOnlySpan, len(stubs))
	for i := range stubs {
		sdk[i] = stubs[i].Snapshot()
	}
	type parts struct{ task, calls []*tracepb.Span }
	runs := map[string]*parts{}
	var order []string
	for _, sp := range sdkspan.Spans(sdk) {
		kind, id := otelrecord.Classify(sp.Attributes)
		if id == "" {
			continue
		}
		p := runs[id]
		if p == nil {
			p = &parts{}
			runs[id] = p
			order = append(order, id)
		}
		if kind == otelrecord.KindTask {
			p.task = append(p.task, otlpspan.ProtoSpan(sp))
		} else {
			p.calls = append(p.calls, otlpspan.ProtoSpan(sp))
		}
	}
	require.Len(t, runs, len(want), "one run per record")
	for i, id := range order {
		p := runs[id]
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		if i%4 < 2 {
			exportSpans(t, first.URL, p.task)
			exportSpans(t, second.URL, p.calls)
		} else {
			exportSpans(t, second.URL, p.calls)
			exportSpans(t, first.URL, p.task)
		}
	}
	return want
}
