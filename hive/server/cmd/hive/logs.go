package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"text/tabwriter"

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
	task   string
	limit  int
	before string
}

func newListFlags(o *listOptions) *flag.FlagSet {
	fs := newFlagSet("hive logs list")
	fs.StringVar(&o.task, "task", "", "task `name` (required)")
	fs.IntVar(&o.limit, "limit", 20, "records per page (the server caps it at 100)")
	fs.StringVar(&o.before, "before", "", "`cursor` of the page to show, from a previous listing")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

func newShowFlags(o *clientOptions) *flag.FlagSet {
	fs := newFlagSet("hive logs show")
	addClientFlags(fs, o)
	return fs
}

// runLogs dispatches "hive logs list" and "hive logs show".
func runLogs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, logsUsage)
		return exitUsage
	}
	switch args[0] {
	case "list":
		return runList(ctx, args[1:], stdout, stderr)
	case "show":
		return runShow(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, logsUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "hive logs: unknown command %q\n\n%s", args[0], logsUsage)
		return exitUsage
	}
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
	if o.task == "" {
		return usageError(stderr, fs.Name(), "--task is required")
	}
	if o.limit < 1 {
		return usageError(stderr, fs.Name(), "--limit must be at least 1")
	}
	client, release, err := newClient(o.clientOptions, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	page, err := client.ListLogs(ctx, o.task, hive.ListOptions{Limit: o.limit, Before: o.before})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitError
	}
	if len(page.Logs) == 0 {
		fmt.Fprintf(stdout, "no records of task %q\n", o.task)
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED AT\tUUID\tTYPE\tDURATION (ms)\tPROJECT")
	for _, e := range page.Logs {
		typ, dur := "-", "-"
		if e.Record != nil {
			if e.Record.Type != "" {
				typ = string(e.Record.Type)
			}
			if e.Record.Timing != nil {
				if d, ok := e.Record.Timing.KnownDuration(); ok {
					dur = strconv.FormatFloat(d, 'f', 3, 64)
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.CreatedAt, e.UUID, typ, dur, e.ProjectName)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitError
	}
	if page.Next != "" {
		fmt.Fprintf(stdout, "more: hive logs list --task %s --limit %d --before %s\n", strconv.Quote(o.task), o.limit, page.Next)
	}
	return exitOK
}

// runShow runs "hive logs show".
func runShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o clientOptions
	fs := newShowFlags(&o)
	pos, code, ok := parseOrUsage(fs, args, showUsage, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(stderr, fs.Name(), "want TASK and UUID, got %d arguments", len(pos))
	}
	client, release, err := newClient(o, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	rec, err := client.GetLog(ctx, pos[0], pos[1])
	if err != nil {
		if errors.Is(err, hive.ErrNotFound) {
			fmt.Fprintf(stderr, "%s: no record %s of task %q: %v\n", fs.Name(), pos[1], pos[0], err)
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		}
		return exitError
	}
	if err := recordfmt.WriteRecordJSON(stdout, rec); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitError
	}
	fmt.Fprintln(stdout)
	if err := recordfmt.WriteTimingTable(stdout, rec); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitError
	}
	return exitOK
}
