package task_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// FuzzRunJSON feeds arbitrary bytes to RunJSON: it must never panic, always
// return a record whose input is valid JSON, and fail exactly on invalid
// input.
func FuzzRunJSON(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.co","age":20,"plan":"free","name":"Ada","address":{"city":"x"}}`,
		`{"age":"x"}`, `[]`, `null`, ``, `{"tags":[1]}`, `{`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	tk := task.New("signup", func(_ context.Context, s signup) (string, error) { return s.Email, nil },
		task.WithTracerProvider(noop.NewTracerProvider()))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, rec, err := tk.RunJSON(context.Background(), raw)
		require.NotNil(t, rec)
		require.True(t, json.Valid(rec.Input), "record input %q", rec.Input)
		if err != nil {
			require.ErrorIs(t, err, task.ErrInvalidInput)
			require.Equal(t, otelrecord.TypeError, rec.Type)
			require.Nil(t, out)
			return
		}
		require.Equal(t, otelrecord.TypeSuccess, rec.Type)
		require.True(t, json.Valid(out))
	})
}
