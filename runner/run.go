package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// maxInputBytes bounds the input "run TASK -" reads from stdin.
const maxInputBytes = 64 << 20

// cmdRun runs "run TASK [JSON | -]": one run through the task, with the
// service's telemetry, so its record goes wherever the service's records go.
func (r *Runner) cmdRun(ctx context.Context, args []string, start starter) error {
	fs := r.newFlagSet("run", "TASK [JSON | -] [--json]",
		"Run a task once. The input is the JSON argument, stdin with -, or null when absent.\n"+
			"The output is written on stdout and the record's uuid on stderr; with --json, the\n"+
			"whole record is written on stdout. A run that fails exits with status 1.")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageErrorf("run takes a task name and at most one input, got %d arguments", len(pos))
	}
	t, err := r.lookup(pos[0])
	if err != nil {
		return err
	}
	input := json.RawMessage("null")
	if len(pos) == 2 {
		if input, err = r.readInput(pos[1]); err != nil {
			return err
		}
	}

	if err := start(ctx); err != nil {
		return err
	}
	_, rec, runErr := t.RunJSON(ctx, input)
	if fs.asJSON {
		if err := writeJSON(r.cfg.stdout, rec); err != nil {
			return err
		}
		if runErr != nil {
			return errReported
		}
		return nil
	}
	if runErr != nil {
		fmt.Fprintf(r.cfg.stderr, "%s run %s: %v\n", r.cfg.name, t.Name(), runErr)
		fmt.Fprintf(r.cfg.stderr, "record %s: %s\n", rec.UUID, rec.Type)
		return errReported
	}
	if _, err := fmt.Fprintln(r.cfg.stdout, indentJSON(rec.Output)); err != nil {
		return err
	}
	dur := "-"
	if rec.Timing != nil {
		dur = fmt.Sprintf("%.3f ms", rec.Timing.Duration)
	}
	fmt.Fprintf(r.cfg.stderr, "record %s: %s in %s\n", rec.UUID, rec.Type, dur)
	return nil
}

// readInput returns the JSON input arg gives: arg itself, or stdin for "-".
func (r *Runner) readInput(arg string) (json.RawMessage, error) {
	data := []byte(arg)
	what := "the input argument"
	if arg == "-" {
		what = "the input on stdin"
		var err error
		if data, err = readAllLimited(r.cfg.stdin, maxInputBytes); err != nil {
			return nil, fmt.Errorf("read the input from stdin: %w", err)
		}
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(data) {
		return nil, usageErrorf("%s is not JSON: %.80q", what, data)
	}
	return data, nil
}
