package main

import (
	"context"
	"encoding/json"
	"errors"
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
	service string
	since   timeFlag
	until   timeFlag
	limit   int
	send    bool
	asJSON  bool
	timeout time.Duration
}

func newRebuildFlags(o *rebuildOptions) *flag.FlagSet {
	fs := newFlagSet(rebuildName)
	fs.StringVar(&o.jaeger, "jaeger", defaultJaeger, "base `URL` of Jaeger's query API")
	fs.Var(&o.traces, "trace", "trace `id` (32 hex digits) to rebuild; repeat or separate with commas for several")
	fs.StringVar(&o.service, "service", "", "rebuild every trace of the service `name` with a span starting between --since and --until")
	fs.Var(&o.since, "since", "start of the --service range: an RFC 3339 `time`, or a duration before now (90m, 2h, 7d)")
	fs.Var(&o.until, "until", "end of the --service range: a `time` written as for --since (default now)")
	fs.IntVar(&o.limit, "limit", jaegerquery.DefaultLimit, "traces asked of Jaeger per query with --service; a window whose answer holds `N` is split")
	fs.BoolVar(&o.send, "send", false, "send the rebuilt records to the Hive server instead of printing them")
	fs.BoolVar(&o.asJSON, "json", false, "print each record as one line of JSON, without the timing table")
	fs.DurationVar(&o.timeout, "timeout", defaultFetchTimeout, "bound on each request to Jaeger")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// runRebuild runs "hive rebuild": it fetches traces from Jaeger's query API
// v3, by id or all those of a service in a time range, rebuilds the records
// of the task runs they hold, and prints them or sends them to Hive. A
// summary line ends its output on stderr.
func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o rebuildOptions
	fs := newRebuildFlags(&o)
	if code, ok := parseFlagsOnly(fs, args, rebuildUsage, stdout, stderr); !ok {
		return code
	}
	var q jaegerquery.Query
	switch {
	case len(o.traces) > 0 && o.service != "":
		return usageError(stderr, fs.Name(), "give --trace or --service, not both")
	case len(o.traces) == 0 && o.service == "":
		return usageError(stderr, fs.Name(), "--trace or --service is required")
	case len(o.traces) > 0 && (o.since.set || o.until.set):
		return usageError(stderr, fs.Name(), "--since and --until go with --service")
	case o.service != "":
		var err error
		if q, err = o.query(time.Now()); err != nil {
			return usageError(stderr, fs.Name(), "%v", err)
		}
	}
	base, err := httpurl.Base(o.jaeger)
	if err != nil {
		return usageError(stderr, fs.Name(), "--jaeger: %v", err)
	}
	if o.timeout <= 0 {
		return usageError(stderr, fs.Name(), "--timeout must be positive")
	}
	r := &rebuilder{out: stdout, asJSON: o.asJSON, ok: true}
	if o.send {
		c, release, err := newClient(o.clientOptions, stderr)
		if err != nil {
			return usageError(stderr, fs.Name(), "%v", err)
		}
		defer release()
		if o.clientOptions.withEnv().project == "" {
			return usageError(stderr, fs.Name(), "--send needs a project: pass --project or set HIVE_PROJECT_UUID")
		}
		r.client = c
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: o.timeout}
	if o.service != "" {
		r.msgs = newProgress(stderr, r.searchStatus)
		r.search(ctx, hc, base, q)
	} else {
		r.msgs = newProgress(stderr, func() string { return r.traceStatus(len(o.traces)) })
		r.fetch(ctx, hc, base, o.traces)
	}
	r.msgs.clear()
	fmt.Fprintf(stderr, "%s: %s\n", rebuildName, r.summary(o.service != ""))
	if !r.ok {
		return exitError
	}
	return exitOK
}

// rebuilder rebuilds the records of traces and prints them or sends them to
// Hive as they come, counting what it does. Its messages go through msgs.
type rebuilder struct {
	out    io.Writer
	asJSON bool
	client *hive.LogClient // nil unless the records are sent
	msgs   *progress

	// ok turns false when something the command was asked for failed.
	ok bool
	// printed counts the records printed.
	printed int
	stats   rebuildStats
}

// rebuildStats counts what a rebuild did.
type rebuildStats struct {
	span       time.Duration // width of the range searched (--service)
	windows    int           // time windows read (--service)
	covered    time.Duration // total width of the windows read
	traces     int           // traces read
	noRun      int           // traces read that hold no task run
	records    int           // records rebuilt
	incomplete int           // records rebuilt with something missing
	sent       int           // records the server stored for this send
	stored     int           // records the server already held
	notSent    int           // records that could not be sent
}

// fetch rebuilds the traces ids, each fetched by id. A trace that cannot be
// fetched or holds no task run is an error.
func (r *rebuilder) fetch(ctx context.Context, hc *http.Client, base string, ids []trace.TraceID) {
	for _, id := range ids {
		spans, err := jaegerquery.Fetch(ctx, hc, base, id)
		if err != nil {
			r.msgs.printf("%s: trace %s: %s\n", rebuildName, id, errorLine(err))
			r.ok = false
			continue
		}
		r.stats.traces++
		if !r.trace(ctx, id, spans) {
			r.msgs.printf("%s: trace %s: no task run in its %d spans\n", rebuildName, id, len(spans))
			r.ok = false
		}
		r.msgs.update()
	}
}

// trace rebuilds the records of the task runs in the spans of trace id,
// warns about the incomplete ones (which still come out), and prints or
// sends them. It reports whether the trace holds a task run.
func (r *rebuilder) trace(ctx context.Context, id trace.TraceID, spans []otelrecord.Span) bool {
	recs, err := otelrecord.Rebuild(spans)
	if err != nil {
		r.msgs.printf("%s: trace %s: warning: %s\n", rebuildName, id, errorLine(err))
	}
	if len(recs) == 0 {
		r.stats.noRun++
		return false
	}
	for _, rec := range recs {
		r.stats.records++
		if rec.Metadata[otelrecord.MetadataIncomplete] != "" {
			r.stats.incomplete++
		}
		if r.client != nil {
			r.send(ctx, rec)
			continue
		}
		if err := printRecord(r.out, rec, r.asJSON, r.printed == 0); err != nil {
			r.msgs.printf("%s: %s\n", rebuildName, errorLine(err))
			r.ok = false
			continue
		}
		r.printed++
	}
	return true
}

// send stores rec in Hive unless the server holds it already (ingest is
// idempotent by uuid, but its answer does not say whether it stored
// anything, so the record is looked up first). It says on stdout what
// became of the record and on stderr why it could not be sent.
func (r *rebuilder) send(ctx context.Context, rec *otelrecord.ExecutionRecord) {
	if rec.UUID != "" {
		_, err := r.client.GetLog(ctx, rec.TaskName, rec.UUID)
		switch {
		case err == nil:
			r.stats.stored++
			fmt.Fprintf(r.out, "already stored %s (task %s)\n", rec.UUID, rec.TaskName)
			return
		case !errors.Is(err, hive.ErrNotFound):
			r.notSent(rec, err)
			return
		}
	}
	resp, err := r.client.SendLog(ctx, rec, nil)
	if err != nil {
		r.notSent(rec, err)
		return
	}
	r.stats.sent++
	fmt.Fprintf(r.out, "sent %s (task %s)\n", resp.UUID, rec.TaskName)
}

// notSent reports a record that could not be sent.
func (r *rebuilder) notSent(rec *otelrecord.ExecutionRecord, err error) {
	r.stats.notSent++
	r.ok = false
	r.msgs.printf("%s: send %s (task %q): %s\n", rebuildName, rec.UUID, rec.TaskName, errorLine(err))
}

// printRecord writes a record as indented JSON followed by its timing
// table, after a blank line unless it is the first, or as one JSON line.
func printRecord(w io.Writer, rec *otelrecord.ExecutionRecord, asJSON, first bool) error {
	if asJSON {
		b, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode record %s: %w", rec.UUID, err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	if !first {
		fmt.Fprintln(w)
	}
	if err := recordfmt.WriteRecordJSON(w, rec); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return recordfmt.WriteTimingTable(w, rec)
}
