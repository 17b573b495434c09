package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// replayReport is what replay --json writes.
type replayReport struct {
	Task       string                      `json:"task"`
	Source     source                      `json:"source"`
	Modes      map[string]string           `json:"modes"`
	Original   recordedOutcome             `json:"original"`
	Replayed   *otelrecord.ExecutionRecord `json:"replayed"`
	Reproduced bool                        `json:"reproduced"`
}

// recordedOutcome is the part of the replayed record replay compares.
type recordedOutcome struct {
	UUID   string                `json:"uuid,omitempty"`
	Type   otelrecord.RecordType `json:"type"`
	Input  json.RawMessage       `json:"input,omitempty"`
	Output json.RawMessage       `json:"output,omitempty"`
	Error  string                `json:"error,omitempty"`
}

// replayFlags are the flags of replay.
type replayFlags struct {
	uuid, trace, file, jaeger, all string
	modes                          modeFlags
}

// cmdReplay runs "replay TASK --uuid|--trace|--file".
func (r *Runner) cmdReplay(ctx context.Context, args []string, start starter) error {
	var f replayFlags
	fs := r.newFlagSet("replay", "TASK (--uuid UUID | --trace TRACE_ID | --file PATH) [--mode NAME=MODE]... [--all MODE] [--json]",
		"Replay a recorded run of TASK: the same input, with the boundaries answered from the record\n"+
			"(every one in replay mode unless --mode or --all say otherwise), and compare the new outcome\n"+
			"with the recorded one. Exits with status 1 when they differ.\n\n"+
			"--uuid reads the record from Hive (HIVE_HOST, HIVE_API_KEY, HIVE_API_SECRET or\n"+
			"HIVE_API_SECRET_FILE); --trace rebuilds it from the trace in Jaeger (--jaeger, else\n"+
			EnvJaegerURL+"), the first run of TASK in it or, with --uuid too, that run; --file reads\n"+
			"a record, a Hive SDK envelope or a fixture.")
	fs.StringVar(&f.uuid, "uuid", "", "`uuid` of the record in Hive (with --trace: of the run in the trace)")
	fs.StringVar(&f.trace, "trace", "", "`id` of the trace to rebuild the record from (32 hex digits)")
	fs.StringVar(&f.file, "file", "", "`path` of a record, SDK envelope or fixture JSON file")
	fs.StringVar(&f.jaeger, "jaeger", r.cfg.jaegerURL, "base `URL` of Jaeger's query API, for --trace")
	fs.Var(&f.modes, "mode", "boundary `name=mode` (replay, proxy-pass, proxy-catch, proxy); repeat for several")
	fs.StringVar(&f.all, "all", boundary.Replay.String(), "`mode` of the boundaries --mode does not name; proxy runs them as the task is configured")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("replay takes one task name, got %d arguments", len(pos))
	}
	uuidPicksRun := f.trace != "" && f.uuid != "" && f.file == "" // --trace T --uuid U: run U of trace T
	if n := countSet(f.uuid, f.trace, f.file); n != 1 && !uuidPicksRun {
		return usageErrorf("give one of --uuid, --trace and --file (got %d)", n)
	}
	t, err := r.lookup(pos[0])
	if err != nil {
		return err
	}
	cfg, err := replayConfig(t, f.all, f.modes)
	if err != nil {
		return err
	}

	var (
		rec *otelrecord.ExecutionRecord
		src source
	)
	switch {
	case f.trace != "":
		rec, src, err = r.fromJaeger(ctx, f.jaeger, f.trace, t.Name(), f.uuid)
	case f.uuid != "":
		rec, src, err = r.fromHive(ctx, t.Name(), f.uuid)
	default:
		rec, src, err = fromFile(f.file)
	}
	if err != nil {
		return err
	}
	if rec.TaskName != "" && rec.TaskName != t.Name() {
		return usageErrorf("the record from %s is a run of %q, not of %q", src, rec.TaskName, t.Name())
	}

	if err := start(ctx); err != nil {
		return err
	}
	_, replayed, err := t.ReplayJSON(ctx, rec, cfg)
	if replayed == nil {
		if errors.Is(err, task.ErrUnknownBoundary) || errors.Is(err, boundary.ErrInvalidMode) {
			return usageErrorf("%v", err)
		}
		return fmt.Errorf("replay %s: %w", t.Name(), err)
	}
	rep := replayReport{
		Task:       t.Name(),
		Source:     src,
		Modes:      effectiveModes(t, cfg),
		Original:   recordedOutcome{UUID: rec.UUID, Type: rec.Type, Input: rec.Input, Output: rec.Output, Error: rec.Error},
		Replayed:   replayed,
		Reproduced: SameOutcome(rec, replayed),
	}
	if fs.asJSON {
		err = writeJSON(r.cfg.stdout, rep)
	} else {
		err = r.writeReplay(rec, rep)
	}
	if err != nil {
		return err
	}
	if !rep.Reproduced {
		return errReported
	}
	return nil
}

// writeReplay writes a replay's comparison for a reader.
func (r *Runner) writeReplay(rec *otelrecord.ExecutionRecord, rep replayReport) error {
	w := r.cfg.stdout
	uuid := orDash(rec.UUID)
	fmt.Fprintf(w, "record %s of %s, from %s\n", uuid, rep.Task, rep.Source)
	fmt.Fprintf(w, "input:    %s\n", compactJSON(rec.Input))
	fmt.Fprintf(w, "modes:    %s\n", formatModes(rep.Modes))
	fmt.Fprintf(w, "original: %s\n", outcome(rec))
	fmt.Fprintf(w, "replayed: %s\n\n", outcome(rep.Replayed))
	if err := recordfmt.WriteTimingTable(w, rep.Replayed); err != nil {
		return err
	}
	var err error
	if rep.Reproduced {
		_, err = fmt.Fprintln(w, "\nreproduced: same outcome as the recorded run.")
	} else {
		_, err = fmt.Fprintln(w, "\nNOT reproduced: the task behaves differently on the same input and boundary answers.")
	}
	return err
}

// replayConfig builds the replay's modes: all for every boundary but those
// modes names. Unknown names and modes are usage errors.
func replayConfig(t Task, all string, modes []string) (task.ReplayConfig, error) {
	var cfg task.ReplayConfig
	m, err := boundary.ParseMode(all)
	if err != nil {
		return cfg, usageErrorf("--all: %v", err)
	}
	cfg.All = m
	declared := t.Boundaries()
	for _, s := range modes {
		name, modeName, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return cfg, usageErrorf("--mode %q: want name=mode", s)
		}
		if !slices.Contains(declared, name) {
			return cfg, usageErrorf("--mode %q: task %s has no boundary %q (boundaries: %s)", s, t.Name(), name, orDash(strings.Join(declared, ", ")))
		}
		m, err := boundary.ParseMode(modeName)
		if err != nil {
			return cfg, usageErrorf("--mode %q: %v", s, err)
		}
		if cfg.Boundaries == nil {
			cfg.Boundaries = make(map[string]boundary.Mode)
		}
		cfg.Boundaries[name] = m
	}
	return cfg, nil
}

// effectiveModes names the mode of each declared boundary in the replay.
func effectiveModes(t Task, cfg task.ReplayConfig) map[string]string {
	out := make(map[string]string)
	for _, b := range t.Boundaries() {
		switch m, ok := cfg.Boundaries[b]; {
		case ok:
			out[b] = m.String()
		case cfg.All != boundary.Proxy:
			out[b] = cfg.All.String()
		default:
			out[b] = "as configured"
		}
	}
	return out
}

// formatModes lists modes as name=mode, sorted.
func formatModes(modes map[string]string) string {
	if len(modes) == 0 {
		return "(no boundaries)"
	}
	parts := make([]string, 0, len(modes))
	for b, m := range modes {
		parts = append(parts, b+"="+m)
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// SameOutcome reports whether two records of a task have the same
// outcome: the same type, and equal outputs as JSON values (key order and
// spacing aside) or the same error message.
func SameOutcome(a, b *otelrecord.ExecutionRecord) bool {
	if a == nil || b == nil || a.Type != b.Type {
		return false
	}
	if a.Type == otelrecord.TypeError {
		return a.Error == b.Error
	}
	return JSONEqual(a.Output, b.Output)
}

// JSONEqual reports whether a and b are the same JSON value (an absent
// value is null); two texts that are not JSON are equal when identical.
func JSONEqual(a, b json.RawMessage) bool {
	var va, vb any
	ea := json.Unmarshal(orNull(a), &va)
	eb := json.Unmarshal(orNull(b), &vb)
	if ea != nil || eb != nil {
		return ea != nil && eb != nil && string(a) == string(b)
	}
	return reflect.DeepEqual(va, vb)
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}
