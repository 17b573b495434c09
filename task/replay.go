package task

import (
	"context"
	"fmt"
	"maps"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ReplayConfig says how SafeReplay answers boundary calls.
type ReplayConfig struct {
	// Boundaries sets the mode of boundaries, by name, for the replay. Calls
	// of these boundaries are answered from the replayed record's calls as
	// their mode says (boundary.Replay: only from the record). Boundaries not
	// listed run in the task's configured mode (boundary.Proxy by default)
	// with the task's tape.
	Boundaries map[string]boundary.Mode
}

// SafeReplay runs the task again from rec, a record of one of its runs (or a
// compatible one), and returns the new run's output, record and error.
//
// The input is rec's input, decoded and validated as by RunJSON. Calls of
// the boundaries listed in cfg are answered from rec's calls, in order (the
// k-th call with an input gets the k-th recorded call with it), and appear
// in the new record with the recorded input, output or error and the new
// call's timing; the other boundaries are called and recorded afresh. The new
// run's metadata and metrics start from rec's (the trace and span id are the
// new run's), and its span carries rec's uuid as hive.task.replay_from. A
// nil rec replays a null input.
func (t *Task[In, Out]) SafeReplay(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg ReplayConfig) (Out, *otelrecord.ExecutionRecord, error) {
	if rec == nil {
		rec = &otelrecord.ExecutionRecord{}
	}
	p := t.paramsFromJSON(rec.Input)
	p.replay = rec

	modes := maps.Clone(t.cfg.modes)
	if modes == nil {
		modes = make(map[string]boundary.Mode, len(cfg.Boundaries))
	}
	data := maps.Clone(t.cfg.tapeData)
	if data == nil {
		data = make(map[string][]otelrecord.BoundaryRecord, len(cfg.Boundaries))
	}
	for name, m := range cfg.Boundaries {
		modes[name] = m
		data[name] = rec.Boundaries[name]
	}
	tape, err := run.NewTape(data)
	if err != nil {
		run.Handle(reasonConfig, fmt.Errorf("task %s: replay of %s: recordings left out of the tape: %w", t.name, rec.UUID, err))
	}
	p.modes, p.tape = modes, tape
	return t.execute(ctx, p)
}
