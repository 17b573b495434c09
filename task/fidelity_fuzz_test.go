package task_test

import (
	"context"
	"testing"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type fuzzIn struct {
	Name string            `json:"name"`
	N    float64           `json:"n"`
	Tags map[string]string `json:"tags"`
	Data any               `json:"data"`
}

// FuzzRunJSONRebuilt runs a task on arbitrary JSON that reaches a boundary,
// SetMetadata and SetMetrics, and requires the record rebuilt from the run's
// spans to equal the one RunJSON returned, whatever the input (invalid input,
// odd strings, numbers and keys included).
func FuzzRunJSONRebuilt(f *testing.F) {
	for _, s := range []string{
		`{"name":"score","n":1.5,"tags":{"a":"b"},"data":[1,"x",null,{"k":true}]}`,
		`{"name":"","n":-0,"tags":{"":"empty key"},"data":1e308}`,
		`{"name":"héllo \u2028 🌍","tags":{"hive.kind":"task","trace_id":"x"},"data":"\ud800"}`,
		`{"n":"nan"}`, `[]`, `null`, ``, `{`, `{"data":{"a":{"b":{"c":[[[]]]}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := newTestProvider(t)
		echo := boundary.New("echo", func(_ context.Context, v any) (any, error) { return v, nil })
		tk := checkAll(t, h, task.New("fuzz", func(ctx context.Context, in fuzzIn) (string, error) {
			if _, err := echo.Call(ctx, in.Data); err != nil {
				return "", err
			}
			for k, v := range in.Tags {
				_ = task.SetMetadata(ctx, k, v) // an empty key is refused
			}
			_ = task.SetMetrics(ctx, otelrecord.Metric{Type: "fuzz", Name: in.Name, Value: in.N}) // may be invalid
			return in.Name, nil
		}, task.WithBoundaries(echo), task.WithTracerProvider(h.TracerProvider())))
		_, rec, _ := tk.RunJSON(context.Background(), raw)
		if rec == nil {
			t.Fatal("RunJSON returned no record")
		}
	})
}
