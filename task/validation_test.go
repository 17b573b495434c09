package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type signup struct {
	Email   string   `json:"email" validate:"required,email"`
	Age     int      `json:"age" validate:"gte=18"`
	Plan    string   `json:"plan" validate:"oneof=free pro"`
	Name    string   `json:"name" validate:"min=2,max=20"`
	Tags    []string `json:"tags" validate:"max=2"`
	Address struct {
		City string `json:"city" validate:"required"`
	} `json:"address"`
}

func TestValidationMessages(t *testing.T) {
	h := newTestProvider(t)
	calls := 0
	store := boundary.New("store", func(context.Context, string) (bool, error) { return true, nil })
	tk := task.New("signup", func(_ context.Context, s signup) (string, error) {
		calls++
		return "ok:" + s.Email, nil
	}, task.WithBoundaries(store), task.WithTracerProvider(h.TracerProvider()))
	checkAll(t, h, tk)

	in := signup{Email: "nope", Age: 12, Plan: "gold", Name: "A", Tags: []string{"a", "b", "c"}}
	_, rec, err := tk.SafeRun(context.Background(), in)
	require.ErrorIs(t, err, task.ErrInvalidInput)
	want := "Invalid input on: email: must be a valid email address, age: must be at least 18, " +
		"plan: must be one of: free, pro, name: must be at least 2 characters, tags: must be at most 2 items, " +
		"address.city: is required"
	assert.Equal(t, want, err.Error())
	var ve *task.ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Len(t, ve.Fields, 6)
	assert.Zero(t, calls, "the function never runs on invalid input")

	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, want, rec.Error)
	assert.Nil(t, rec.Timing, "no timing for invalid input")
	assert.Nil(t, rec.Output)
	assert.Equal(t, map[string][]otelrecord.BoundaryRecord{"store": {}}, rec.Boundaries)
	assert.NotEmpty(t, rec.UUID)
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"boundaries":{"store":[]}`)
	assert.NotContains(t, string(b), `"timing"`)

	spans := h.Exporter().GetSpans()
	require.Len(t, spans, 1, "the span still exists")
	a := attrs(spans[0])
	assert.True(t, a[otelrecord.TaskInvalidInputKey].AsBool())
	assert.Equal(t, want, a[otelrecord.TaskErrorKey].AsString())
	assert.Equal(t, codes.Error, spans[0].Status.Code)
	h.AssertRebuilt(t, rec)

	ok := signup{Email: "a@b.co", Age: 30, Plan: "pro", Name: "Ada"}
	ok.Address.City = "Paris"
	out, err := tk.Run(context.Background(), ok)
	require.NoError(t, err)
	assert.Equal(t, "ok:a@b.co", out)
}

func TestRunJSONTypeMismatchAndMalformed(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, task.New("signup", func(_ context.Context, s signup) (string, error) { return "ok", nil },
		task.WithTracerProvider(h.TracerProvider())))

	const rest = `"plan":"free","name":"Ada","address":{"city":"Oslo"}`
	cases := map[string]string{
		`{"email":"a@b.co","age":"old",` + rest + `}`:                                 "Invalid input on: age: expected integer, got string",
		`{"email":"a@b.co","age":20,"plan":"free","name":"Ada","address":{"city":5}}`: "Invalid input on: address.city: expected string, got number",
		`[1,2]`:     "Invalid input on: input: expected object, got array",
		`{"email":`: "Invalid input on: input: malformed JSON: unexpected end of JSON input",
		`{"email":"a@b.co","age":20.5,` + rest + `}`: "Invalid input on: age: expected integer, got number 20.5",
	}
	for raw, want := range cases {
		out, rec, err := tk.RunJSON(context.Background(), json.RawMessage(raw))
		require.ErrorIs(t, err, task.ErrInvalidInput, raw)
		assert.Equal(t, want, err.Error(), raw)
		assert.Nil(t, out)
		assert.True(t, json.Valid(rec.Input), "the record input stays JSON: %s", rec.Input)
		h.AssertRebuilt(t, rec)
	}

	out, rec, err := tk.RunJSON(context.Background(), json.RawMessage(`{ "email": "a@b.co", "age": 20, "plan": "free", "name": "Ada", "address": {"city": "Oslo"} }`))
	require.NoError(t, err)
	assert.Equal(t, `"ok"`, string(out))
	assert.Equal(t, `{"email":"a@b.co","age":20,"plan":"free","name":"Ada","address":{"city":"Oslo"}}`, string(rec.Input))
}

func TestNonStructInputsSkipTags(t *testing.T) {
	h := newTestProvider(t)
	tk := checkAll(t, h, task.New("double", func(_ context.Context, n int) (int, error) { return n * 2, nil },
		task.WithTracerProvider(h.TracerProvider())))
	out, _, err := tk.RunJSON(context.Background(), json.RawMessage(`21`))
	require.NoError(t, err)
	assert.Equal(t, "42", string(out))
	ptr := checkAll(t, h, task.New("ptr", func(_ context.Context, s *signup) (bool, error) { return s == nil, nil },
		task.WithTracerProvider(h.TracerProvider())))
	got, err := ptr.Run(context.Background(), nil)
	require.NoError(t, err)
	assert.True(t, got)
}
