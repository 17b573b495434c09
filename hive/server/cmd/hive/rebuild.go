package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/httpurl"
	"github.com/hivetrace/hivetrace/internal/jaegerquery"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// Defaults of hive rebuild.
const (
	defaultJaeger       = "http://127.0.0.1:16686"
	defaultFetchTimeout = 30 * time.Second
)

// rebuildName prefixes what hive rebuild writes on stderr.
const rebuildName = "hive rebuild"

// traceIDs is a repeatable --trace flag.
type traceIDs []trace.TraceID

func (t *traceIDs) String() string {
	ids := make([]string, len(*t))
	for i, id := range *t {
		ids[i] = id.String()
	}
	return strings.Join(ids, ",")
}

func (t *traceIDs) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		id, err := trace.TraceIDFromHex(s)
		if err != nil {
			return fmt.Errorf("trace id %q: want 32 hex digits, not all zero", s)
		}
		*t = append(*t, id)
	}
	return nil
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
	fs := newFlagSet(rebuildName)
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
	if code, ok := parseFlagsOnly(fs, args, rebuildUsage, stdout, stderr); !ok {
		return code
	}
	if len(o.traces) == 0 {
		return usageError(stderr, fs.Name(), "--trace is required")
	}
	base, err := httpurl.Base(o.jaeger)
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

	records, ok := rebuildTraces(ctx, base, o, stderr)
	if o.send {
		ok = sendRecords(ctx, client, records, stdout, stderr) && ok
	} else if err := printRecords(stdout, records, o.asJSON); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", rebuildName, err)
		return exitError
	}
	if !ok {
		return exitError
	}
	return exitOK
}

// rebuildTraces fetches each trace of o from the Jaeger query API at base
// and rebuilds the records of its task runs. It reports on stderr each trace
// that could not be fetched or holds no task run (ok is then false) and
// each incomplete record (which still comes out).
func rebuildTraces(ctx context.Context, base string, o rebuildOptions, stderr io.Writer) (records []*otelrecord.ExecutionRecord, ok bool) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: o.timeout}

	ok = true
	for _, id := range o.traces {
		spans, err := jaegerquery.Fetch(ctx, hc, base, id)
		if err != nil {
			fmt.Fprintf(stderr, "%s: trace %s: %v\n", rebuildName, id, err)
			ok = false
			continue
		}
		recs, err := otelrecord.Rebuild(spans)
		if err != nil {
			fmt.Fprintf(stderr, "%s: trace %s: warning: %v\n", rebuildName, id, err)
		}
		if len(recs) == 0 {
			fmt.Fprintf(stderr, "%s: trace %s: no task run in its %d spans\n", rebuildName, id, len(spans))
			ok = false
			continue
		}
		records = append(records, recs...)
	}
	return records, ok
}

// sendRecords sends the records to Hive, saying on stdout which were sent
// and on stderr which were not; it reports whether all were sent.
func sendRecords(ctx context.Context, client *hive.LogClient, records []*otelrecord.ExecutionRecord, stdout, stderr io.Writer) bool {
	ok := true
	for _, rec := range records {
		resp, err := client.SendLog(ctx, rec, nil)
		if err != nil {
			fmt.Fprintf(stderr, "%s: send %s (task %q): %v\n", rebuildName, rec.UUID, rec.TaskName, err)
			ok = false
			continue
		}
		fmt.Fprintf(stdout, "sent %s (task %s)\n", resp.UUID, rec.TaskName)
	}
	return ok
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
