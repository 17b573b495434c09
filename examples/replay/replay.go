package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// ErrUnknownTask is returned for a --task this program does not know.
var ErrUnknownTask = errors.New("unknown task")

// errDiffers reports that the replay's outcome differs from the record's.
var errDiffers = errors.New("the replayed outcome differs from the recorded one")

// replayer replays records of one task.
type replayer interface {
	Boundaries() []string
	replay(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg task.ReplayConfig) (*otelrecord.ExecutionRecord, error)
}

// typed adapts a *task.Task to replayer.
type typed[In, Out any] struct{ *task.Task[In, Out] }

func (t typed[In, Out]) replay(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg task.ReplayConfig) (*otelrecord.ExecutionRecord, error) {
	_, out, err := t.SafeReplay(ctx, rec, cfg)
	return out, err
}

// registry returns the tasks this program can replay, by name. Their
// dependencies are left empty: in replay mode no boundary reaches them.
func registry() map[string]replayer {
	s := shop.New(shop.Deps{})
	return map[string]replayer{s.Report.Name(): typed[shop.ReportInput, shop.Report]{s.Report}}
}

// run parses args, fetches the record from the Hive server the HIVE_*
// environment names and replays it, writing the comparison to w.
func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(w)
	taskName := fs.String("task", shop.ReportTask, "`name` of the task whose record to replay")
	id := fs.String("uuid", "", "`uuid` of the record (required)")
	modeName := fs.String("mode", boundary.Replay.String(), "boundary `mode` of the replay: replay, proxy-pass or proxy-catch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give --uuid (and --task) and no other arguments")
	}
	mode, err := boundary.ParseMode(*modeName)
	if err != nil {
		return err
	}
	tasks := registry()
	t, ok := tasks[*taskName]
	if !ok {
		names := slices.Sorted(maps.Keys(tasks))
		return fmt.Errorf("%w %q (known: %s)", ErrUnknownTask, *taskName, strings.Join(names, ", "))
	}

	client, err := hive.NewLogClient(hive.Config{})
	if err != nil {
		return err
	}
	rec, err := client.GetLog(ctx, *taskName, *id)
	if err != nil {
		return fmt.Errorf("fetch record %s of %s: %w", *id, *taskName, err)
	}
	fmt.Fprintf(w, "record %s of %s, fetched from %s\n", rec.UUID, rec.TaskName, client.Conf().Host)
	fmt.Fprintf(w, "input:    %s\n", compact(rec.Input))

	cfg := task.ReplayConfig{Boundaries: map[string]boundary.Mode{}}
	for _, b := range t.Boundaries() {
		cfg.Boundaries[b] = mode
	}
	replayed, runErr := t.replay(ctx, rec, cfg)
	fmt.Fprintf(w, "original: %s\n", outcome(rec))
	fmt.Fprintf(w, "replayed: %s   (boundaries %s in %s mode)\n", outcome(replayed), strings.Join(t.Boundaries(), ", "), mode)
	if runErr != nil && replayed.Type != otelrecord.TypeError {
		return runErr
	}
	fmt.Fprintln(w)
	_ = recordfmt.WriteTimingTable(w, replayed)
	if outcome(rec) != outcome(replayed) {
		fmt.Fprintln(w, "\nNOT reproduced: the task behaves differently on the same input and boundary answers.")
		return errDiffers
	}
	fmt.Fprintln(w, "\nreproduced: same outcome as the recorded run, without touching the outside world.")
	return nil
}

// outcome is a record's result in one line.
func outcome(rec *otelrecord.ExecutionRecord) string {
	if rec.Type == otelrecord.TypeError {
		return "error: " + rec.Error
	}
	return string(rec.Type) + ": " + compact(rec.Output)
}

func compact(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}
