package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hivetrace/hivetrace/hive"
)

const tasksUsage = `Usage:
  hive tasks list [--project P] [--since T] [--until T] [--json]

Lists the tasks a Hive server knows (HIVE_HOST or --host), with the runs that
started in a time range. Run "hive tasks list --help" for the flags.
`

const tasksListUsage = `Usage: hive tasks list [flags]

Lists the tasks of the project (--project or HIVE_PROJECT_UUID; every project
without either), ordered by task name, with their runs that started between
--since and --until (RFC 3339 times, or durations before now: --since 24h is
a day ago; both open by default): the number of runs and of errors, the
error rate, the 50th and 95th percentiles of their durations, and when the
newest started. A task without runs in the range is listed with zeros. A run
starts at its record's timing.startTime, or when the server stored it.

With --json the tasks are written as a JSON array of objects
{"projectUuid","projectName","taskName","taskUuid","runs","errors","p50Ms",
"p95Ms","lastRunAt"} (lastRunAt is null without runs), as GET /api/tasks
answers them.

Flags:
`

type tasksListOptions struct {
	clientOptions
	since, until timeFlag
	json         bool
}

func newTasksListFlags(o *tasksListOptions) *flag.FlagSet {
	fs := newFlagSet("hive tasks list")
	fs.Var(&o.since, "since", "count the runs started at or after this RFC 3339 `time`, or this duration before now (90m, 2h, 7d)")
	fs.Var(&o.until, "until", "count the runs started before this `time`, written as for --since")
	fs.BoolVar(&o.json, "json", false, "write the tasks as a JSON array")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// runTasks dispatches "hive tasks list".
func runTasks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatch(ctx, "hive tasks", tasksUsage, map[string]subcommand{"list": runTasksList}, args, stdout, stderr)
}

// timeRange resolves --since and --until (durations counted back from now);
// a flag not given is an open bound.
func timeRange(since, until *timeFlag, now time.Time) (time.Time, time.Time, error) {
	var s, u time.Time
	if since.set {
		s = since.time(now)
	}
	if until.set {
		u = until.time(now)
	}
	if !s.IsZero() && !u.IsZero() && !u.After(s) {
		return time.Time{}, time.Time{}, fmt.Errorf("--until (%s) must be after --since (%s)", u.Format(time.RFC3339), s.Format(time.RFC3339))
	}
	return s, u, nil
}

// runTasksList runs "hive tasks list".
func runTasksList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o tasksListOptions
	fs := newTasksListFlags(&o)
	if code, ok := parseFlagsOnly(fs, args, tasksListUsage, stdout, stderr); !ok {
		return code
	}
	since, until, err := timeRange(&o.since, &o.until, time.Now())
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	client, release, err := newClient(o.clientOptions, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	tasks, err := client.ListTasks(ctx, hive.TaskListOptions{Since: since, Until: until})
	if err != nil {
		return fail(stderr, fs.Name(), err)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(tasks); err != nil {
			return fail(stderr, fs.Name(), err)
		}
		return exitOK
	}
	if len(tasks) == 0 {
		fmt.Fprintln(stdout, "no tasks")
		return exitOK
	}
	if err := writeTaskTable(stdout, tasks); err != nil {
		return fail(stderr, fs.Name(), err)
	}
	return exitOK
}

// writeTaskTable writes the tasks as a table, one row each.
func writeTaskTable(w io.Writer, tasks []hive.TaskSummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tPROJECT\tRUNS\tERRORS\tERROR RATE\tP50 (ms)\tP95 (ms)\tLAST RUN")
	for _, t := range tasks {
		rate, p50, p95, last := "-", "-", "-", "-"
		if t.Runs > 0 {
			rate = strconv.FormatFloat(100*float64(t.Errors)/float64(t.Runs), 'f', 1, 64) + "%"
			last = t.LastRun.UTC().Format(time.RFC3339)
		}
		if t.P95 > 0 {
			p50, p95 = formatMs(t.P50), formatMs(t.P95)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", t.TaskName, t.ProjectName, t.Runs, t.Errors, rate, p50, p95, last)
	}
	return tw.Flush()
}

// formatMs writes a duration in milliseconds with three decimals.
func formatMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64)
}
