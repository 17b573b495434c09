package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
)

// defaultHost is the server the logs commands talk to without HIVE_HOST.
const defaultHost = "http://" + defaultAddr

// clientOptions are the flags shared by the commands that talk to a Hive
// server.
type clientOptions struct {
	host, project string
	credentialFlags
}

func addClientFlags(fs *flag.FlagSet, o *clientOptions) {
	fs.StringVar(&o.host, "host", "", "Hive server `URL` (default $HIVE_HOST, else "+defaultHost+")")
	addCredentialFlags(fs, &o.credentialFlags, "presented to the server")
	fs.StringVar(&o.project, "project", "", "project `uuid` to scope lookups to (default $HIVE_PROJECT_UUID, else every project)")
}

// withEnv fills the host and project the command line left empty from the
// environment; the credentials are resolved by newClient.
func (o clientOptions) withEnv() clientOptions {
	o.host = flagOrEnv(o.host, "HIVE_HOST")
	if o.host == "" {
		o.host = defaultHost
	}
	o.project = flagOrEnv(o.project, "HIVE_PROJECT_UUID")
	return o
}

type listOptions struct {
	clientOptions
	task         string
	limit        int
	before       string
	typ          string
	since, until timeFlag
	minQuality   floatFlag
	all, json    bool
}

func newListFlags(o *listOptions) *flag.FlagSet {
	fs := newFlagSet("hive logs list")
	fs.StringVar(&o.task, "task", "", "task `name` (required)")
	fs.IntVar(&o.limit, "limit", 20, "records per page (the server caps it at 100)")
	fs.StringVar(&o.before, "before", "", "`cursor` of the page to show, from a previous listing (with the same filters)")
	fs.StringVar(&o.typ, "type", "", "list the records of this `outcome` only: success or error")
	fs.Var(&o.since, "since", "list the runs started at or after this RFC 3339 `time`, or this duration before now (90m, 2h, 7d)")
	fs.Var(&o.until, "until", "list the runs started before this `time`, written as for --since")
	fs.Var(&o.minQuality, "min-quality", "list the records whose quality score is at least this `score` (unscored records are left out)")
	fs.BoolVar(&o.all, "all", false, "follow the pages to the last (oldest) record")
	fs.BoolVar(&o.json, "json", false, "write each record as one line of JSON (its key, project, createdAt, quality and the record as logItem)")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// floatFlag is an optional number flag.
type floatFlag struct {
	v   float64
	set bool
}

func (f *floatFlag) String() string {
	if !f.set {
		return ""
	}
	return strconv.FormatFloat(f.v, 'g', -1, 64)
}

func (f *floatFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return errors.New("want a number")
	}
	f.v, f.set = v, true
	return nil
}

type showOptions struct {
	clientOptions
	json bool
}

func newShowFlags(o *showOptions) *flag.FlagSet {
	fs := newFlagSet("hive logs show")
	fs.BoolVar(&o.json, "json", false, "write the record as JSON only, without the timing table")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// runLogs dispatches "hive logs list" and "hive logs show".
func runLogs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatch(ctx, "hive logs", logsUsage, map[string]subcommand{"list": runList, "show": runShow}, args, stdout, stderr)
}

// newClient builds the log client of a logs command. The returned func
// releases its connections.
func newClient(o clientOptions, stderr io.Writer) (*hive.LogClient, func(), error) {
	o = o.withEnv()
	creds, err := o.resolve()
	if err != nil {
		return nil, nil, err
	}
	if !creds.apiKey.IsSet() || !creds.apiSecret.IsSet() {
		return nil, nil, errors.New("no credentials: pass --api-key and --api-secret-file, or set " +
			envAPIKey + " and " + envAPISecret + " (or " + envAPISecretFile + ")")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c, err := hive.NewLogClient(hive.Config{
		Host:        o.host,
		APIKey:      creds.apiKey.Reveal(),
		APISecret:   creds.apiSecret.Reveal(),
		ProjectUUID: o.project,
		HTTPClient:  &http.Client{Transport: tr, Timeout: hive.DefaultHTTPTimeout},
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, nil, err
	}
	return c, tr.CloseIdleConnections, nil
}

// runList runs "hive logs list".
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o listOptions
	fs := newListFlags(&o)
	if code, ok := parseFlagsOnly(fs, args, listUsage, stdout, stderr); !ok {
		return code
	}
	opts, err := o.listOptions(time.Now())
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	client, release, err := newClient(o.clientOptions, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	out := newListWriter(stdout, o.json)
	listed, pages := 0, 0
	prog := newProgress(stderr, func() string { return fmt.Sprintf("%d records listed, %d pages", listed, pages) })
	for {
		page, err := client.ListLogs(ctx, o.task, opts)
		if err != nil {
			prog.clear()
			return fail(stderr, fs.Name(), err)
		}
		pages++
		listed += len(page.Logs)
		prog.clear() // the rows go where the line was, when both are on a terminal
		if err := out.write(page.Logs); err != nil {
			return fail(stderr, fs.Name(), err)
		}
		if page.Next == "" {
			break
		}
		if !o.all {
			prog.clear()
			more := "more: " + o.nextCommand(opts, page.Next)
			if o.json {
				fmt.Fprintln(stderr, more) // stdout holds JSON only
			} else {
				fmt.Fprintln(stdout, more)
			}
			return exitOK
		}
		opts.Before = page.Next
		prog.update()
	}
	prog.clear()
	if listed == 0 && !o.json {
		if opts.Type != "" || !opts.Since.IsZero() || !opts.Until.IsZero() || opts.MinQuality != nil {
			fmt.Fprintf(stdout, "no records of task %q match the filters\n", o.task)
		} else {
			fmt.Fprintf(stdout, "no records of task %q\n", o.task)
		}
	}
	if err := out.flush(); err != nil {
		return fail(stderr, fs.Name(), err)
	}
	return exitOK
}

// listOptions checks the flags of "hive logs list" and returns the query of
// its first page, durations counted back from now.
func (o *listOptions) listOptions(now time.Time) (hive.ListOptions, error) {
	switch {
	case o.task == "":
		return hive.ListOptions{}, errors.New("--task is required")
	case o.limit < 1:
		return hive.ListOptions{}, errors.New("--limit must be at least 1")
	case o.typ != "" && o.typ != "success" && o.typ != "error":
		return hive.ListOptions{}, fmt.Errorf("--type must be success or error, got %q", o.typ)
	}
	since, until, err := timeRange(&o.since, &o.until, now)
	if err != nil {
		return hive.ListOptions{}, err
	}
	opts := hive.ListOptions{Limit: o.limit, Before: o.before, Type: o.typ, Since: since, Until: until}
	if o.minQuality.set {
		opts.MinQuality = &o.minQuality.v
	}
	return opts, nil
}

// nextCommand returns the command that lists the page after the cursor
// next: the same task, page size and filters, a time range given as
// durations fixed to the times it stood for, and the project when it came
// from the command line.
func (o *listOptions) nextCommand(opts hive.ListOptions, next string) string {
	args := []string{"hive logs list --task", shellQuote(o.task), "--limit", strconv.Itoa(o.limit)}
	if o.project != "" {
		args = append(args, "--project", shellQuote(o.project))
	}
	if opts.Type != "" {
		args = append(args, "--type", opts.Type)
	}
	if !opts.Since.IsZero() {
		args = append(args, "--since", opts.Since.UTC().Format(time.RFC3339Nano))
	}
	if !opts.Until.IsZero() {
		args = append(args, "--until", opts.Until.UTC().Format(time.RFC3339Nano))
	}
	if opts.MinQuality != nil {
		args = append(args, "--min-quality", o.minQuality.String())
	}
	if o.json {
		args = append(args, "--json")
	}
	return strings.Join(append(args, "--before", next), " ")
}

// shellQuote returns s as one word for a POSIX shell: as is when it holds
// only characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:@%+=,", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// listWriter writes listed records as they come, page by page: a table
// (its header once, columns aligned within a page) or one JSON object a
// line.
type listWriter struct {
	json  *json.Encoder
	table *tabwriter.Writer
	rows  int
}

func newListWriter(w io.Writer, asJSON bool) *listWriter {
	if asJSON {
		return &listWriter{json: json.NewEncoder(w)}
	}
	return &listWriter{table: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// write writes the records of a page.
func (lw *listWriter) write(logs []hive.LogEntry) error {
	for _, e := range logs {
		if lw.json != nil {
			if err := lw.json.Encode(e); err != nil {
				return err
			}
			continue
		}
		if lw.rows == 0 {
			fmt.Fprintln(lw.table, "CREATED AT\tUUID\tTYPE\tDURATION (ms)\tQUALITY\tPROJECT")
		}
		lw.rows++
		typ, dur, score := "-", "-", "-"
		if e.Record != nil {
			if e.Record.Type != "" {
				typ = string(e.Record.Type)
			}
			if e.Record.Timing != nil {
				dur = strconv.FormatFloat(e.Record.Timing.Duration, 'f', 3, 64)
			}
		}
		if e.Quality != nil {
			score = strconv.FormatFloat(e.Quality.Score, 'g', -1, 64)
		}
		fmt.Fprintf(lw.table, "%s\t%s\t%s\t%s\t%s\t%s\n", e.CreatedAt, e.UUID, typ, dur, score, e.ProjectName)
	}
	return lw.flush()
}

// flush writes the table rows held for alignment.
func (lw *listWriter) flush() error {
	if lw.table == nil {
		return nil
	}
	return lw.table.Flush()
}

// runShow runs "hive logs show".
func runShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o showOptions
	fs := newShowFlags(&o)
	pos, code, ok := parseOrUsage(fs, args, showUsage, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(stderr, fs.Name(), "want TASK and UUID, got %d arguments", len(pos))
	}
	client, release, err := newClient(o.clientOptions, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	rec, err := client.GetLog(ctx, pos[0], pos[1])
	switch {
	case errors.Is(err, hive.ErrNotFound):
		fmt.Fprintf(stderr, "%s: no record %s of task %q on the server\n", fs.Name(), pos[1], pos[0])
		return exitError
	case err != nil:
		return fail(stderr, fs.Name(), err)
	}
	if err := recordfmt.WriteRecordJSON(stdout, rec); err != nil {
		return fail(stderr, fs.Name(), err)
	}
	fmt.Fprintln(stdout)
	if o.json {
		return exitOK
	}
	if err := recordfmt.WriteTimingTable(stdout, rec); err != nil {
		return fail(stderr, fs.Name(), err)
	}
	return exitOK
}
