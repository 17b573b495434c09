package task

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrUnknownBoundary is wrapped by the error SafeReplay returns when its
// ReplayConfig names a boundary the task does not declare; the error names
// it and the declared boundaries.
var ErrUnknownBoundary = errors.New("task: unknown boundary")

// ReplayConfig says how SafeReplay answers boundary calls.
type ReplayConfig struct {
	// Boundaries sets the mode of boundaries, by name, for the replay. Calls
	// of these boundaries are answered from the replayed record's calls as
	// their mode says (boundary.Replay: only from the record). Every name
	// must be a boundary the task declares (ErrUnknownBoundary).
	Boundaries map[string]boundary.Mode
	// All, unless boundary.Proxy (its zero value), is the mode of every
	// declared boundary Boundaries does not list, answered from the record
	// like those listed: ReplayConfig{All: boundary.Replay} replays every
	// boundary from the record. Entries of Boundaries override it. With
	// All left at boundary.Proxy, the boundaries not listed run in the
	// task's configured mode (boundary.Proxy by default) with the task's
	// tape.
	All boundary.Mode
}

// SafeReplay runs the task again from rec, a record of one of its runs (or a
// compatible one), and returns the new run's output, record and error.
//
// The input is rec's input, decoded and validated as by RunJSON. Calls of
// the boundaries cfg replays are answered from rec's calls, in order (the
// k-th call with an input gets the k-th recorded call with it), and appear
// in the new record with the recorded input, output or error and the new
// call's timing; the other boundaries are called and recorded afresh. The
// new run's metadata and metrics start from rec's, but for the metadata
// describing rec rather than the run: its trace and span id (the new run's
// are set when its span is recording), otelrecord.MetadataIncomplete,
// otelrecord.MetadataTrimmed and what rec left out past its bounds
// (otelrecord.MetadataCallsOmitted and its prefix), and its notes of values
// with no JSON encoding (otelrecord.MetadataUnencodablePrefix). The new
// run's span carries rec's uuid as hive.task.replay_from. A nil rec replays
// a null input.
//
// A recorded call whose output had no JSON encoding (recorded as null, with
// a note in rec's metadata) cannot be answered from the tape: the replayed
// call fails with an error wrapping boundary.ErrUnencodableRecording.
//
// A cfg naming a boundary the task does not declare (the error wraps
// ErrUnknownBoundary) or holding an invalid mode (boundary.ErrInvalidMode)
// is an error returned before anything runs: there is no run, the record
// is nil and listeners are not called.
func (t *Task[In, Out]) SafeReplay(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg ReplayConfig) (Out, *otelrecord.ExecutionRecord, error) {
	if err := t.checkReplayConfig(cfg); err != nil {
		var zero Out
		return zero, nil, err
	}
	if rec == nil {
		rec = &otelrecord.ExecutionRecord{}
	}
	p := t.paramsFromJSON(rec.Input)
	p.replay = rec

	replayed := cfg.Boundaries
	if cfg.All != boundary.Proxy {
		replayed = make(map[string]boundary.Mode, len(t.names))
		for _, name := range t.names {
			replayed[name] = cfg.All
		}
		maps.Copy(replayed, cfg.Boundaries)
	}
	modes := maps.Clone(t.cfg.modes)
	if modes == nil {
		modes = make(map[string]boundary.Mode, len(replayed))
	}
	data := maps.Clone(t.cfg.tapeData)
	if data == nil {
		data = make(map[string][]otelrecord.BoundaryRecord, len(replayed))
	}
	for name, m := range replayed {
		modes[name] = m
		data[name] = rec.Boundaries[name]
	}
	unencodable := otelrecord.UnencodableOutputs(rec.Metadata)
	maps.DeleteFunc(unencodable, func(name string, _ map[int]string) bool { _, ok := replayed[name]; return !ok })
	tape, err := run.NewNotedTape(data, unencodable)
	if err != nil {
		run.Handle(reasonConfig, fmt.Errorf("task %s: replay of %s: recordings left out of the tape: %w", t.name, rec.UUID, err))
	}
	p.modes, p.tape = modes, tape
	return t.execute(ctx, p)
}

// checkReplayConfig reports the boundaries cfg names that t does not
// declare and the invalid modes cfg holds.
func (t *Task[In, Out]) checkReplayConfig(cfg ReplayConfig) error {
	if !cfg.All.Valid() {
		return fmt.Errorf("task %s: replay config: all boundaries: %w: %d", t.name, boundary.ErrInvalidMode, int(cfg.All))
	}
	var unknown []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Boundaries)) {
		if !t.declared[name] {
			unknown = append(unknown, name)
			continue
		}
		if m := cfg.Boundaries[name]; !m.Valid() {
			return fmt.Errorf("task %s: replay config: boundary %s: %w: %d", t.name, name, boundary.ErrInvalidMode, int(m))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("task %s: replay config: %w %s (declared: %s)", t.name, ErrUnknownBoundary,
			strings.Join(quoteAll(unknown), ", "), strings.Join(quoteAll(t.names), ", "))
	}
	return nil
}

// quoteAll returns the Go-quoted form of each name.
func quoteAll(names []string) []string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return q
}

// replayedMetadata reports whether the metadata entry key of a replayed
// record starts the replay's metadata: entries describing the replayed
// record (its span's ids, why it is incomplete or trimmed, what it left out
// past its bounds, which of its values had no JSON encoding) are not the new
// run's.
func replayedMetadata(key string) bool {
	switch key {
	case otelrecord.MetadataTraceID, otelrecord.MetadataSpanID,
		otelrecord.MetadataIncomplete, otelrecord.MetadataTrimmed, otelrecord.MetadataCallsOmitted:
		return false
	}
	return !strings.HasPrefix(key, otelrecord.MetadataCallsOmittedPrefix) &&
		!strings.HasPrefix(key, otelrecord.MetadataUnencodablePrefix)
}
