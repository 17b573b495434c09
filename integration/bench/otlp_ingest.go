package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	_ "modernc.org/sqlite" // the "sqlite" driver, to count what hive serve stored

	"github.com/hivetrace/hivetrace/integration/internal/hivecmd"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// Shape of figure 7's exports: 512 spans each, runs of 3 boundary calls
// (128 runs, 384 boundary spans), payloads of about 200 bytes, sent by 8
// senders at once, as a Collector's otlphttp exporter sends with the
// consumers of its queue (10 by default).
const (
	otlpCalls       = 3
	otlpRunsPerReq  = 512 / (otlpCalls + 1)
	otlpSenders     = 8
	otlpBenchKey    = "bench-key"
	otlpBenchSecret = "bench-secret"
)

// payloadCall is a boundary call taking and returning a string of about 200
// bytes of JSON.
var payloadCall = callCase[string, string]{
	in: strings.Repeat("in-payload ", 18),
	fn: func(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil },
}

// OTLPIngestResult is what figure 7 measured.
type OTLPIngestResult struct {
	Requests, BoundarySpans, Records int
	Elapsed                          time.Duration
	PeakRSS                          int64   // bytes, hive serve's VmHWM
	InProcess                        float64 // boundary spans/s rebuilt in process, one core
}

// Rate is the boundary spans per second hive serve took in and stored as
// records.
func (r OTLPIngestResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.BoundarySpans) / r.Elapsed.Seconds()
}

// otlpIngest runs figure 7: a real hive serve (SQLite) takes requests of 512
// spans from otlpSenders senders in this process; a request is answered once
// its runs' records are stored. The rebuild of the same spans in this
// process, on one core, is measured beside it.
func otlpIngest(ctx context.Context, requests int) (OTLPIngestResult, error) {
	res := OTLPIngestResult{Requests: requests}
	sdk, err := recordedSpans(otlpRunsPerReq, otlpCalls, payloadCall)
	if err != nil {
		return res, err
	}
	spans := sdkspan.Spans(sdk)
	res.InProcess = inProcessRebuild(spans)

	template := &tracepb.ResourceSpans{
		Resource:   &resourcepb.Resource{Attributes: otlpspan.ProtoKeyValues(nil)},
		ScopeSpans: []*tracepb.ScopeSpans{{}},
	}
	template.Resource.Attributes = append(template.Resource.Attributes,
		&commonpb.KeyValue{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "bench-otlp"}}})
	for _, s := range spans {
		template.ScopeSpans[0].Spans = append(template.ScopeSpans[0].Spans, otlpspan.ProtoSpan(s))
	}
	bodies := make([][]byte, requests)
	for i := range bodies {
		if bodies[i], err = otlpExport(template, i); err != nil {
			return res, err
		}
	}

	dir, err := os.MkdirTemp("", "hivetrace-bench-otlp-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	bin, err := hivecmd.Build(ctx, dir, false)
	if err != nil {
		return res, err
	}
	db := filepath.Join(dir, "hive.db")
	srv, err := startHive(ctx, bin, db)
	if err != nil {
		return res, err
	}
	defer srv.stop()

	tr := &http.Transport{MaxIdleConnsPerHost: otlpSenders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var next atomic.Int64
	var failure error
	var once sync.Once
	var wg sync.WaitGroup
	began := time.Now()
	for range otlpSenders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				if err := postExport(ctx, client, srv.url, bodies[i]); err != nil {
					once.Do(func() { failure = err })
					return
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(began)
	if failure != nil {
		return res, failure
	}
	res.BoundarySpans = requests * otlpRunsPerReq * otlpCalls
	if res.PeakRSS, err = peakRSS(srv.cmd.Process.Pid); err != nil {
		return res, err
	}
	res.Records, err = countRecords(ctx, db)
	return res, err
}

// inProcessRebuild returns the boundary spans per second otelrecord.Rebuild
// turns into records from spans, on one core, over about a second.
func inProcessRebuild(spans []otelrecord.Span) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	n, began := 0, time.Now()
	for time.Since(began) < time.Second {
		if _, err := otelrecord.Rebuild(spans); err != nil {
			return 0
		}
		n++
	}
	return float64(n*otlpRunsPerReq*otlpCalls) / time.Since(began).Seconds()
}

// otlpExport returns the export of the template's runs with run uuids of
// request i's own.
func otlpExport(template *tracepb.ResourceSpans, i int) ([]byte, error) {
	rs := proto.Clone(template).(*tracepb.ResourceSpans)
	for _, sp := range rs.ScopeSpans[0].Spans {
		for _, kv := range sp.Attributes {
			if kv.Key == string(otelrecord.RunUUIDKey) {
				id := kv.Value.GetStringValue()
				kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: fmt.Sprintf("%s-%08x", id[:min(27, len(id))], i)}}
			}
		}
	}
	return proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{rs}})
}

// postExport sends one export and requires a full success.
func postExport(ctx context.Context, client *http.Client, base string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer "+otlpBenchKey+":"+otlpBenchSecret)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("export answered %d: %.200s", resp.StatusCode, data)
	}
	var out coltracepb.ExportTraceServiceResponse
	if err := proto.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("export answer: %w", err)
	}
	if ps := out.GetPartialSuccess(); ps.GetRejectedSpans() > 0 {
		return fmt.Errorf("export partly refused: %d spans: %s", ps.GetRejectedSpans(), ps.GetErrorMessage())
	}
	return nil
}

// hiveProc is a running hive serve.
type hiveProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

var servingLine = regexp.MustCompile(`serving the Hive API on (http://127\.0\.0\.1:\d+)`)

// startHive runs hive serve on a free loopback port and database db.
func startHive(ctx context.Context, bin, db string) (*hiveProc, error) {
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "HIVE_API_KEY="+otlpBenchKey, "HIVE_API_SECRET="+otlpBenchSecret)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &hiveProc{cmd: cmd, done: make(chan struct{})}
	lines := bufio.NewReader(out)
	line, err := lines.ReadString('\n')
	go func() {
		_, _ = io.Copy(io.Discard, lines)
		_ = cmd.Wait()
		close(p.done)
	}()
	m := servingLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		p.stop()
		return nil, fmt.Errorf("hive serve printed %q, not its address (%v)", strings.TrimSpace(line), err)
	}
	p.url = m[1]
	return p, nil
}

// stop ends hive serve (SIGTERM, then SIGKILL after 10 s).
func (p *hiveProc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// peakRSS returns the peak resident set of process pid (VmHWM), in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if f := strings.Fields(v); len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("peak RSS: no VmHWM in /proc status")
}

// countRecords counts the records stored in the database at path.
func countRecords(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM logs`).Scan(&n)
	return n, err
}
