package tasktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hivetrace/hivetrace/internal/recordfile"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// Task is what tasktest needs of a task: *task.Task[In, Out] implements
// it, whatever In and Out.
type Task interface {
	// Name returns the task's name.
	Name() string
	// ReplayJSON replays a record of the task.
	ReplayJSON(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg task.ReplayConfig) (json.RawMessage, *otelrecord.ExecutionRecord, error)
}

var _ Task = (*task.Task[int, int])(nil)

// Run replays every .json file under dir (subfolders included, in path
// order) as a subtest named after its path relative to dir, without
// ".json"; see Check. A dir without any such file fails the test.
func Run(t *testing.T, tk Task, dir string, opts ...Option) {
	t.Helper()
	files, err := recordFiles(dir)
	if err != nil {
		t.Fatalf("tasktest: %v", err)
		return
	}
	if len(files) == 0 {
		t.Fatalf("tasktest: no .json record files under %s", dir)
		return
	}
	for _, path := range files {
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			rel = path
		}
		t.Run(strings.TrimSuffix(filepath.ToSlash(rel), ".json"), func(t *testing.T) {
			Check(t, tk, path, opts...)
		})
	}
}

// recordFiles lists the .json files under dir, sorted.
func recordFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list record files: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

// Check replays the record file at path with tk and compares the outcome
// with the recorded one (see the package doc). A difference is reported
// with tb.Errorf, one line per differing JSON path, unless updating
// (-update or Update(true)): then the file is rewritten with the new
// outcome and the test passes, saying so with tb.Logf. A file that cannot
// be read or decoded, an option that is wrong, or a replay that cannot
// start fails with tb.Fatalf; a record of another task is skipped.
func Check(tb testing.TB, tk Task, path string, opts ...Option) {
	tb.Helper()
	if !usable(tk) {
		tb.Fatalf("tasktest: no task to replay %s with (nil)", path)
		return
	}
	cfg := newConfig(opts)
	if err := errors.Join(cfg.errs...); err != nil {
		tb.Fatalf("tasktest: %v", err)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("tasktest: read record file: %v", err)
		return
	}
	file, err := recordfile.Decode(data)
	if err != nil {
		tb.Fatalf("tasktest: %s: %v", path, err)
		return
	}
	rec := file.Record
	if rec.TaskName != "" && rec.TaskName != tk.Name() {
		tb.Skipf("tasktest: %s holds a run of %s, not of %s", path, rec.TaskName, tk.Name())
		return
	}
	ctx := cfg.ctx
	if ctx == nil {
		ctx = testContext(tb)
	}
	_, replayed, err := tk.ReplayJSON(ctx, rec, replayConfig(cfg))
	if replayed == nil {
		tb.Fatalf("tasktest: %s: replay of %s: %v", path, tk.Name(), err)
		return
	}

	lines, err := compare(rec, replayed, cfg.ignore)
	if err != nil {
		tb.Fatalf("tasktest: %s: %v", path, err)
		return
	}
	if len(lines) == 0 {
		return
	}
	if update := cfg.update; (update != nil && *update) || (update == nil && updateFlag()) {
		out, err := file.WithResult(replayed)
		if err == nil {
			err = os.WriteFile(path, out, 0o644)
		}
		if err != nil {
			tb.Fatalf("tasktest: update %s: %v", path, err)
			return
		}
		tb.Logf("tasktest: updated %s with the replayed outcome (%s)", path, summary(replayed))
		return
	}
	tb.Errorf("tasktest: replay of %s (record %s) differs from the recording:\n  %s\nrecorded: %s\nreplayed: %s\n(go test -update accepts the new outcome)",
		path, orDash(rec.UUID), strings.Join(lines, "\n  "), summary(rec), summary(replayed))
}

// usable reports whether tk is a task: not nil, nor a nil pointer whose
// methods panic.
func usable(tk Task) (ok bool) {
	if tk == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = tk.Name()
	return true
}

// testContext returns the context of a *testing.T or *testing.B.
func testContext(tb testing.TB) context.Context {
	if c, ok := tb.(interface{ Context() context.Context }); ok {
		if ctx := c.Context(); ctx != nil {
			return ctx
		}
	}
	return context.Background()
}

// replayConfig is every boundary in cfg.all but those cfg.modes sets.
func replayConfig(cfg config) task.ReplayConfig {
	return task.ReplayConfig{All: cfg.all, Boundaries: cfg.modes}
}

// compare returns the differences between the outcomes of the recorded
// and replayed runs, once the ignored paths are removed from both.
func compare(rec, replayed *otelrecord.ExecutionRecord, ignore []*jsonPath) ([]string, error) {
	want, err := document(rec)
	if err != nil {
		return nil, fmt.Errorf("recorded outcome: %w", err)
	}
	got, err := document(replayed)
	if err != nil {
		return nil, fmt.Errorf("replayed outcome: %w", err)
	}
	for _, p := range ignore {
		p.remove(want)
		p.remove(got)
	}
	return diff(want, got), nil
}

// document is the compared part of a record, {"type","output","error"},
// decoded with json.Number for numbers; output is absent on failure and
// error on success.
func document(rec *otelrecord.ExecutionRecord) (map[string]any, error) {
	doc := map[string]any{"type": string(rec.Type)}
	if rec.Type == otelrecord.TypeError {
		doc["error"] = rec.Error
		return doc, nil
	}
	raw := rec.Output
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("output is not JSON: %w", err)
	}
	doc["output"] = out
	return doc, nil
}

// summary is a record's outcome in one line, cut for reading.
func summary(rec *otelrecord.ExecutionRecord) string {
	s := "error: " + rec.Error
	if rec.Type != otelrecord.TypeError {
		var b bytes.Buffer
		if err := json.Compact(&b, rec.Output); err != nil || len(rec.Output) == 0 {
			b.Reset()
			b.WriteString("null")
		}
		s = string(rec.Type) + ": " + b.String()
	}
	if len(s) > 2*maxShown {
		s = s[:2*maxShown] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
