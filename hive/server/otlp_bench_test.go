package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// Shape of the benchmark's exports: 512 spans each, runs of 3 boundary
// calls (128 runs, 384 boundary spans), payloads of about 200 bytes.
const (
	benchCalls         = 3
	benchRunsPerExport = 512 / (benchCalls + 1)
	benchSenders       = 4
)

// BenchmarkOTLPHTTPIngest measures OTLP/HTTP protobuf exports, from the
// request to the records stored on SQLite, with a few senders at once; it
// reports boundary spans per second. "whole": each export carries its runs
// whole; "split": each run comes in two exports (the task-run span and a
// boundary span, then the other two), so every span is staged.
func BenchmarkOTLPHTTPIngest(b *testing.B) {
	b.Run("whole", func(b *testing.B) {
		template := benchTemplate(b)
		bodies := make([][]byte, b.N)
		for i := range bodies {
			bodies[i] = marshalBench(b, benchExport(template, i))
		}
		benchIngest(b, bodies, b.N*benchRunsPerExport)
	})
	b.Run("split", func(b *testing.B) {
		template := benchTemplate(b)
		bodies := make([][]byte, 0, b.N+1)
		for i := 0; len(bodies) < b.N; i += 2 {
			first, second := splitExport(benchExport(template, i), benchExport(template, i+1))
			bodies = append(bodies, marshalBench(b, first), marshalBench(b, second))
		}
		benchIngest(b, bodies[:b.N], b.N/2*2*benchRunsPerExport) // runs of whole pairs
	})
}

// benchIngest sends the bodies with benchSenders senders, requires the
// store to hold the records of wantRuns runs, and reports the rates of the
// boundary spans and records stored.
func benchIngest(b *testing.B, bodies [][]byte, wantRuns int) {
	store, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "hive.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = store.Close() })
	n := startNode(b, store)
	tr := &http.Transport{MaxIdleConnsPerHost: benchSenders}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}

	cpu0 := processCPU(b)
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchSenders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				req, err := http.NewRequest(http.MethodPost, n.url+server.OTLPTracesPath, bytes.NewReader(bodies[i]))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/x-protobuf")
				req.Header.Set("Authorization", "Bearer "+apiKey+":"+apiSecret)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				if err := checkBenchResponse(resp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	st := n.srv.OTLPStats()
	require.Zero(b, st.Rejected)
	require.Equal(b, int64(wantRuns), st.Records, "every run sent whole is stored")
	spans := float64(st.Records * benchCalls)
	b.ReportMetric(spans/b.Elapsed().Seconds(), "boundary-spans/s")
	b.ReportMetric(float64(st.Records)/b.Elapsed().Seconds(), "records/s")
	// The CPU time of the process (server and senders) per boundary span:
	// what the rate would be with every core to itself, however busy the
	// machine is with other work.
	if spans > 0 {
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/spans, "cpu-µs/boundary-span")
	}
}

// splitExport returns two exports of the runs of a and b: the first holds
// each run's task-run span and first boundary span, the second the others.
func splitExport(a, b *coltracepb.ExportTraceServiceRequest) (first, second *coltracepb.ExportTraceServiceRequest) {
	var f, s []*tracepb.Span
	seen := map[string]bool{}
	for _, req := range []*coltracepb.ExportTraceServiceRequest{a, b} {
		for _, ss := range req.ResourceSpans[0].ScopeSpans {
			for _, sp := range ss.Spans {
				kind, run := otelrecord.Classify(otlpspan.Span(sp).Attributes)
				switch {
				case kind == otelrecord.KindTask:
					f = append(f, sp)
				case !seen[run]:
					seen[run] = true
					f = append(f, sp)
				default:
					s = append(s, sp)
				}
			}
		}
	}
	export := func(spans []*tracepb.Span) *coltracepb.ExportTraceServiceRequest {
		return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
			Resource:   a.ResourceSpans[0].Resource,
			ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}},
		}}}
	}
	return export(f), export(s)
}

func marshalBench(b *testing.B, req *coltracepb.ExportTraceServiceRequest) []byte {
	data, err := proto.Marshal(req)
	require.NoError(b, err)
	return data
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTemplate returns an export of benchRunsPerExport runs made with the
// task package.
func benchTemplate(b *testing.B) *coltracepb.ExportTraceServiceRequest {
	runs := makeRuns(b, "bench", benchRunsPerExport, benchCalls)
	req := new(coltracepb.ExportTraceServiceRequest)
	require.NoError(b, proto.Unmarshal(exportBody(b, runs.spans), req))
	return req
}

// benchExport returns the template with run uuids and span ids of its own.
func benchExport(template *coltracepb.ExportTraceServiceRequest, i int) *coltracepb.ExportTraceServiceRequest {
	req := proto.Clone(template).(*coltracepb.ExportTraceServiceRequest)
	j := 0
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				sp.SpanId = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(i)+1), uint32(j))
				j++
				for _, kv := range sp.Attributes {
					if kv.Key == string(otelrecord.RunUUIDKey) {
						id := kv.Value.GetStringValue()
						kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: fmt.Sprintf("%s-%08x", id[:27], i)}}
					}
				}
			}
		}
	}
	return req
}

// checkBenchResponse requires a full success.
func checkBenchResponse(resp *http.Response) error {
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %q", resp.StatusCode, data)
	}
	out := new(coltracepb.ExportTraceServiceResponse)
	if err := proto.Unmarshal(data, out); err != nil {
		return err
	}
	if out.PartialSuccess != nil {
		return fmt.Errorf("partial success: %v", out.PartialSuccess)
	}
	return nil
}
