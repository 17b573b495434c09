package server_test

import (
	"bytes"
	"context"
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

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/otelrecord"
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
// reports boundary spans per second.
func BenchmarkOTLPHTTPIngest(b *testing.B) {
	template := benchTemplate(b)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = benchExport(b, template, i)
	}
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
	spans := float64(b.N * benchRunsPerExport * benchCalls)
	b.ReportMetric(spans/b.Elapsed().Seconds(), "boundary-spans/s")
	// The CPU time of the process (server and senders) per boundary span:
	// what the rate would be with every core to itself, however busy the
	// machine is with other work.
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/spans, "cpu-µs/boundary-span")
	b.ReportMetric(float64(b.N*benchRunsPerExport)/b.Elapsed().Seconds(), "records/s")
	st := n.srv.OTLPStats()
	require.Equal(b, int64(b.N*benchRunsPerExport), st.Records)
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
func benchExport(b *testing.B, template *coltracepb.ExportTraceServiceRequest, i int) []byte {
	req := proto.Clone(template).(*coltracepb.ExportTraceServiceRequest)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for j, sp := range ss.Spans {
				sp.SpanId = []byte(fmt.Sprintf("%04x%04x", i&0xffff, j))[:8]
				for _, kv := range sp.Attributes {
					if kv.Key == string(otelrecord.RunUUIDKey) {
						id := kv.Value.GetStringValue()
						kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: fmt.Sprintf("%s-%08x", id[:27], i)}}
					}
				}
			}
		}
	}
	data, err := proto.Marshal(req)
	require.NoError(b, err)
	return data
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
