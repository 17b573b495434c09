package tasktest_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
	"github.com/hivetrace/hivetrace/tasktest"
)

// Order is the output of the test task: a stamp and an id that differ on
// every run, and the items priced by a boundary.
type Order struct {
	ID        string  `json:"id"`
	CreatedAt string  `json:"createdAt"`
	Items     []Item  `json:"items"`
	Total     float64 `json:"total"`
}

// Item is one priced item.
type Item struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// newOrderTask returns the task; factor scales the prices, to play a code
// change.
func newOrderTask(factor float64) *task.Task[[]string, Order] {
	price := boundary.New("price", func(_ context.Context, name string) (float64, error) {
		switch name {
		case "apple":
			return 0.5, nil
		case "pear":
			return 0.75, nil
		}
		return 0, fmt.Errorf("no price for %s", name)
	})
	return task.New("order", func(ctx context.Context, names []string) (Order, error) {
		o := Order{ID: time.Now().Format("150405.000000000"), CreatedAt: time.Now().Format(time.RFC3339Nano)}
		for i, n := range names {
			p, err := price.Call(ctx, n)
			if err != nil {
				return Order{}, err
			}
			o.Items = append(o.Items, Item{ID: fmt.Sprintf("%s-%d", o.ID, i), Name: n, Price: p * factor})
			o.Total += p * factor
		}
		return o, nil
	}, task.WithBoundaries(price))
}

// recordDir runs the task for each input and saves the records in a folder.
func recordDir(t *testing.T, inputs ...[]string) string {
	t.Helper()
	dir := t.TempDir()
	tk := newOrderTask(1)
	for i, in := range inputs {
		_, rec, _ := tk.SafeRun(t.Context(), in)
		data, err := json.MarshalIndent(rec, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("run-%d.json", i)), data, 0o644))
	}
	return dir
}

// fakeTB records what Check reports.
type fakeTB struct {
	testing.TB
	errors, fatals, skips, logs []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skips = append(f.skips, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Context() context.Context { return context.Background() }

var volatile = tasktest.Ignore("$.output.id", "$.output.createdAt", "$.output.items[*].id")

func TestRunPassesWhenReplaysMatch(t *testing.T) {
	dir := recordDir(t, []string{"apple", "pear"}, []string{"plum"})
	tasktest.Run(t, newOrderTask(1), dir, volatile)
}

func TestCheckReportsReadableDiff(t *testing.T) {
	dir := recordDir(t, []string{"apple", "pear"})
	path := filepath.Join(dir, "run-0.json")

	// Without the ignore rules, the id and stamps differ on every run.
	var f fakeTB
	tasktest.Check(&f, newOrderTask(1), path)
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], "$.output.createdAt: recorded ")
	assert.Contains(t, f.errors[0], "$.output.items[1].id: recorded ")

	// A code change: the prices doubled.
	f = fakeTB{}
	tasktest.Check(&f, newOrderTask(2), path, volatile)
	require.Len(t, f.errors, 1, "%v", f.fatals)
	msg := f.errors[0]
	assert.Contains(t, msg, "differs from the recording:\n")
	assert.Contains(t, msg, "  $.output.items[0].price: recorded 0.5, replayed 1\n")
	assert.Contains(t, msg, "  $.output.items[1].price: recorded 0.75, replayed 1.5\n")
	assert.Contains(t, msg, "  $.output.total: recorded 1.25, replayed 2.5\n")
	diffLines, _, _ := strings.Cut(msg, "\nrecorded: ")
	assert.NotContains(t, diffLines, "createdAt", "ignored")
	assert.Contains(t, msg, "(go test -update accepts the new outcome)")
	assert.Empty(t, f.fatals)
}

func TestCheckComparesErrors(t *testing.T) {
	dir := recordDir(t, []string{"plum"})
	path := filepath.Join(dir, "run-0.json")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(data, &rec))
	require.Equal(t, otelrecord.TypeError, rec.Type)
	rec.Error = "no price for plums"
	data, err = json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))

	var f fakeTB
	tasktest.Check(&f, newOrderTask(1), path)
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], `$.error: recorded "no price for plums", replayed "no price for plum"`)

	f = fakeTB{}
	tasktest.Check(&f, newOrderTask(1), path, tasktest.Ignore("$.error"))
	assert.Empty(t, f.errors)
}

func TestUpdateRewritesExpectedOutcome(t *testing.T) {
	dir := recordDir(t, []string{"apple", "pear"})
	path := filepath.Join(dir, "run-0.json")
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	var f fakeTB
	tasktest.Check(&f, newOrderTask(2), path, volatile, tasktest.Update(true))
	assert.Empty(t, f.errors)
	assert.Empty(t, f.fatals)
	require.Len(t, f.logs, 1)
	assert.Contains(t, f.logs[0], "updated "+path)

	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotEqual(t, string(before), string(after))
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(after, &rec))
	var out Order
	require.NoError(t, json.Unmarshal(rec.Output, &out))
	assert.InDelta(t, 2.5, out.Total, 1e-9)
	assert.Len(t, rec.Boundaries["price"], 2, "the recorded calls are kept")

	// The new expectation holds.
	f = fakeTB{}
	tasktest.Check(&f, newOrderTask(2), path, volatile)
	assert.Empty(t, f.errors)
}

func TestCheckFailures(t *testing.T) {
	dir := recordDir(t, []string{"apple"})
	path := filepath.Join(dir, "run-0.json")
	for _, tt := range []struct {
		name string
		path string
		opts []tasktest.Option
		want string
	}{
		{"missing file", filepath.Join(dir, "nope.json"), nil, "read record file"},
		{"bad path", path, []tasktest.Option{tasktest.Ignore("output.id")}, `invalid JSON path "output.id": want $ first`},
		{"bad step", path, []tasktest.Option{tasktest.Ignore("$.items[x]")}, "want [n], [*] or ['name'], got [x]"},
		{"root", path, []tasktest.Option{tasktest.Ignore("$")}, "the whole document cannot be ignored"},
		{"unknown boundary", path, []tasktest.Option{tasktest.WithModes(map[string]boundary.Mode{"tax": boundary.Replay})}, "unknown boundary"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f fakeTB
			tasktest.Check(&f, newOrderTask(1), tt.path, tt.opts...)
			require.Len(t, f.fatals, 1)
			assert.Contains(t, f.fatals[0], tt.want)
		})
	}

	notJSON := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(notJSON, []byte(`[`), 0o644))
	var f fakeTB
	tasktest.Check(&f, newOrderTask(1), notJSON)
	require.Len(t, f.fatals, 1)
	assert.Contains(t, f.fatals[0], "not a record, envelope or fixture")

	f = fakeTB{}
	var nilTask *task.Task[[]string, Order]
	tasktest.Check(&f, nilTask, path)
	require.Len(t, f.fatals, 1)
	assert.Contains(t, f.fatals[0], "no task to replay")

	other := task.New("other", func(context.Context, int) (int, error) { return 0, nil })
	f = fakeTB{}
	tasktest.Check(&f, other, path)
	require.Len(t, f.skips, 1)
	assert.Contains(t, f.skips[0], "holds a run of order, not of other")
}

func TestWithModesProxyPass(t *testing.T) {
	dir := recordDir(t, []string{"apple"})
	path := filepath.Join(dir, "run-0.json")
	var f fakeTB
	tasktest.Check(&f, newOrderTask(1), path, volatile, tasktest.WithModes(map[string]boundary.Mode{"price": boundary.ProxyPass}))
	assert.Empty(t, f.errors)
	assert.Empty(t, f.fatals)
}

func TestRunReadsEveryShape(t *testing.T) {
	dir := recordDir(t, []string{"pear"})
	data, err := os.ReadFile(filepath.Join(dir, "run-0.json"))
	require.NoError(t, err)
	var rec map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &rec))
	sub := filepath.Join(dir, "order")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	envelope, err := json.Marshal(map[string]any{"uuid": "u", "taskName": "order", "logItem": string(data)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(sub, "envelope.json"), envelope, 0o644))
	fixture, err := json.Marshal(map[string]any{"fixture": map[string]any{
		"fixtureUUID": "f", "name": "pear", "taskName": "order", "type": "success",
		"input": rec["input"], "output": rec["output"], "boundaries": rec["boundaries"], "context": map[string]any{},
	}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(sub, "fixture.json"), fixture, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "notes.txt"), []byte("not a record"), 0o644))

	tasktest.Run(t, newOrderTask(1), dir, volatile)
}

func TestUpdateFlag(t *testing.T) {
	f := flag.Lookup("update")
	require.NotNil(t, f, "the package registers -update")
	require.NoError(t, f.Value.Set("true"))
	t.Cleanup(func() { _ = f.Value.Set("false") })

	dir := recordDir(t, []string{"pear"})
	path := filepath.Join(dir, "run-0.json")
	var tb fakeTB
	tasktest.Check(&tb, newOrderTask(3), path, volatile)
	assert.Empty(t, tb.errors)
	require.Len(t, tb.logs, 1, "-update rewrote the file")

	require.NoError(t, f.Value.Set("false"))
	tb = fakeTB{}
	tasktest.Check(&tb, newOrderTask(1), path, volatile)
	require.Len(t, tb.errors, 1, "without -update a difference fails")
	assert.Contains(t, tb.errors[0], "$.output.total: recorded 2.25, replayed 0.75")
}
