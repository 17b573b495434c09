package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
)

// Defaults of hive rebuild.
const (
	defaultJaeger       = "http://127.0.0.1:16686"
	defaultFetchTimeout = 30 * time.Second
	// maxTraceBytes caps the size of one trace answer read from Jaeger.
	maxTraceBytes = 256 << 20
)

// traceIDs is a repeatable --trace flag.
type traceIDs []string

func (t *traceIDs) String() string { return strings.Join(*t, ",") }

func (t *traceIDs) Set(v string) error {
	for _, id := range strings.Split(v, ",") {
		id = strings.ToLower(strings.TrimSpace(id))
		if !isTraceID(id) {
			return fmt.Errorf("trace id %q: want 32 hex digits", id)
		}
		*t = append(*t, id)
	}
	return nil
}

func isTraceID(s string) bool {
	if len(s) != 32 || s == strings.Repeat("0", 32) {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

type rebuildOptions struct {
	clientOptions
	jaeger  string
	traces  traceIDs
	send    bool
	asJSON  bool
	timeout time.Duration
}

func newRebuildFlags(o *rebuildOptions) *flag.FlagSet {
	fs := newFlagSet("hive rebuild")
	fs.StringVar(&o.jaeger, "jaeger", defaultJaeger, "base `URL` of Jaeger's query API")
	fs.Var(&o.traces, "trace", "trace `id` (32 hex digits) to rebuild; repeat or separate with commas for several (required)")
	fs.BoolVar(&o.send, "send", false, "send the rebuilt records to the Hive server instead of printing them")
	fs.BoolVar(&o.asJSON, "json", false, "print each record as one line of JSON, without the timing table")
	fs.DurationVar(&o.timeout, "timeout", defaultFetchTimeout, "bound on each request to Jaeger")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// runRebuild runs "hive rebuild": it fetches traces from Jaeger's query API
// v3, rebuilds the records of the task runs they hold, and prints them or
// sends them to Hive.
func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o rebuildOptions
	fs := newRebuildFlags(&o)
	pos, code, ok := parseOrUsage(fs, args, rebuildUsage, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(stderr, fs.Name(), "unexpected arguments %q", pos)
	}
	if len(o.traces) == 0 {
		return usageError(stderr, fs.Name(), "--trace is required")
	}
	base, err := jaegerBase(o.jaeger)
	if err != nil {
		return usageError(stderr, fs.Name(), "--jaeger: %v", err)
	}
	if o.timeout <= 0 {
		return usageError(stderr, fs.Name(), "--timeout must be positive")
	}
	var client *hive.LogClient
	if o.send {
		c, release, err := newClient(o.clientOptions, stderr)
		if err != nil {
			return usageError(stderr, fs.Name(), "%v", err)
		}
		defer release()
		client = c
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: o.timeout}

	var records []*otelrecord.ExecutionRecord
	failed := false
	for _, id := range o.traces {
		body, err := fetchTrace(ctx, hc, base, id)
		if err != nil {
			fmt.Fprintf(stderr, "%s: trace %s: %v\n", fs.Name(), id, err)
			failed = true
			continue
		}
		spans, err := otlpjson.Spans(body)
		if err != nil {
			fmt.Fprintf(stderr, "%s: trace %s: %v\n", fs.Name(), id, err)
			failed = true
			continue
		}
		recs, err := otelrecord.Rebuild(spans)
		if err != nil {
			// Incomplete records still come out; say what is missing.
			fmt.Fprintf(stderr, "%s: trace %s: warning: %v\n", fs.Name(), id, err)
		}
		if len(recs) == 0 {
			fmt.Fprintf(stderr, "%s: trace %s: no task run in its %d spans\n", fs.Name(), id, len(spans))
			failed = true
			continue
		}
		records = append(records, recs...)
	}

	if o.send {
		for _, rec := range records {
			resp, err := client.SendLog(ctx, rec, nil)
			if err != nil {
				fmt.Fprintf(stderr, "%s: send %s (task %q): %v\n", fs.Name(), rec.UUID, rec.TaskName, err)
				failed = true
				continue
			}
			fmt.Fprintf(stdout, "sent %s (task %s)\n", resp.UUID, rec.TaskName)
		}
	} else if err := printRecords(stdout, records, o.asJSON); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitError
	}
	if failed {
		return exitError
	}
	return exitOK
}

// jaegerBase checks the --jaeger URL and drops a trailing slash.
func jaegerBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http or https URL", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// errTraceNotFound is returned by fetchTrace when Jaeger holds no span of the
// trace.
var errTraceNotFound = errors.New("not found in Jaeger")

// fetchTrace returns the body of GET {base}/api/v3/traces/{id}.
func fetchTrace(ctx context.Context, hc *http.Client, base, id string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v3/traces/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTraceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, errTraceNotFound
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("jaeger answered %s: %s", resp.Status, strings.TrimSpace(string(body[:min(len(body), 512)])))
	case len(body) > maxTraceBytes:
		return nil, fmt.Errorf("answer larger than %d bytes", maxTraceBytes)
	}
	return body, nil
}

// printRecords writes the records as indented JSON followed by their timing
// table, or as JSON lines.
func printRecords(w io.Writer, records []*otelrecord.ExecutionRecord, asJSON bool) error {
	for i, rec := range records {
		if asJSON {
			b, err := json.Marshal(rec)
			if err != nil {
				return fmt.Errorf("encode record %s: %w", rec.UUID, err)
			}
			if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := recordfmt.WriteRecordJSON(w, rec); err != nil {
			return err
		}
		fmt.Fprintln(w)
		if err := recordfmt.WriteTimingTable(w, rec); err != nil {
			return err
		}
	}
	return nil
}
