package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type person struct {
	Name    string   `json:"name" validate:"required"`
	Age     int      `json:"age"`
	Email   string   `json:"email" validate:"required,email"`
	Tags    []string `json:"tags" validate:"dive,min=2"`
	Scores  []int    `json:"scores"`
	Address struct {
		Zip  string `json:"zip" validate:"omitempty,len=5"`
		City string `json:"city"`
	} `json:"address"`
}

// issuesOf returns the issues of err, which must be a *task.ValidationError
// wrapping task.ErrInvalidInput.
func issuesOf(t *testing.T, err error) []task.FieldError {
	t.Helper()
	require.ErrorIs(t, err, task.ErrInvalidInput)
	var ve *task.ValidationError
	require.True(t, errors.As(err, &ve), "%T", err)
	return ve.Issues()
}

func newPersonTask(t *testing.T, h *fidelity.Harness, calls *int) *task.Task[person, string] {
	t.Helper()
	return checkAll(t, h, task.New("person", func(_ context.Context, p person) (string, error) {
		*calls++
		return p.Name, nil
	}, task.WithTracerProvider(h.TracerProvider())))
}

func TestRunJSONReportsEveryIssue(t *testing.T) {
	h := newTestProvider(t)
	calls := 0
	tk := newPersonTask(t, h, &calls)

	_, rec, err := tk.RunJSON(context.Background(), json.RawMessage(`{"name":123,"age":"twenty","email":"invalid-email"}`))
	want := []task.FieldError{
		{Field: "name", Message: "expected string, got number", Code: task.CodeInvalidType},
		{Field: "age", Message: "expected integer, got string", Code: task.CodeInvalidType},
		{Field: "email", Message: "must be a valid email address", Code: task.CodeInvalidString},
	}
	assert.Equal(t, want, issuesOf(t, err), "a rule is not checked on a value of the wrong type (name is not also required)")
	msg := "Invalid input on: name: expected string, got number, age: expected integer, got string, email: must be a valid email address"
	assert.Equal(t, msg, err.Error())
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, msg, rec.Error)
	assert.Zero(t, calls)
	h.AssertRebuilt(t, rec)
}

func TestIssuePathsHaveIndexesAndNesting(t *testing.T) {
	calls := 0
	h := newTestProvider(t)
	tk := task.New("person", func(_ context.Context, p person) (string, error) { calls++; return p.Name, nil },
		task.WithTracerProvider(h.TracerProvider()))

	raw := `{"name":"Ada","email":"a@b.co","tags":["ok",1,true,"x"],"scores":[1,"two",3.5],"address":{"zip":"123","city":7}}`
	got := issuesOf(t, tk.ValidateJSON([]byte(raw)))
	assert.Equal(t, []task.FieldError{
		{Field: "tags[1]", Message: "expected string, got number", Code: task.CodeInvalidType},
		{Field: "tags[2]", Message: "expected string, got boolean", Code: task.CodeInvalidType},
		{Field: "scores[1]", Message: "expected integer, got string", Code: task.CodeInvalidType},
		{Field: "scores[2]", Message: "expected integer, got number 3.5", Code: task.CodeInvalidType},
		{Field: "address.city", Message: "expected string, got number", Code: task.CodeInvalidType},
		{Field: "tags[3]", Message: "must be at least 2 characters", Code: task.CodeTooSmall},
		{Field: "address.zip", Message: "must have length 5 characters", Code: task.CodeCustom},
	}, got)
	assert.Empty(t, h.Exporter().GetSpans())

	for range 3 { // a stable order
		assert.Equal(t, got, issuesOf(t, tk.ValidateJSON([]byte(raw))))
	}
	assert.Zero(t, calls)
}

func TestRunJSONRejectsUnknownFields(t *testing.T) {
	h := newTestProvider(t)
	calls := 0
	tk := newPersonTask(t, h, &calls)

	var schema map[string]any
	require.NoError(t, json.Unmarshal(tk.Describe(), &schema))
	assert.Equal(t, false, schema["additionalProperties"], "the schema and RunJSON agree")

	_, rec, err := tk.RunJSON(context.Background(), json.RawMessage(`{"zeta":1,"name":"Ada","email":"a@b.co","address":{"zip":"12345","floor":2},"extra":true}`))
	assert.Equal(t, []task.FieldError{
		{Field: "address.floor", Message: "unknown field", Code: task.CodeUnrecognizedKeys},
		{Field: "extra", Message: "unknown field", Code: task.CodeUnrecognizedKeys},
		{Field: "zeta", Message: "unknown field", Code: task.CodeUnrecognizedKeys},
	}, issuesOf(t, err))
	assert.Equal(t, "Invalid input on: address.floor: unknown field, extra: unknown field, zeta: unknown field", rec.Error)
	assert.Zero(t, calls)

	out, _, err := tk.RunJSON(context.Background(), json.RawMessage(`{"NAME":"Ada","email":"a@b.co","address":{"zip":"12345"}}`))
	require.NoError(t, err, "names match without case, as encoding/json decodes them")
	assert.Equal(t, `"Ada"`, string(out))
	assert.Equal(t, 1, calls)
}

func TestUnknownFieldsOfMapsAndEmbeddedStructs(t *testing.T) {
	type Base struct {
		ID string `json:"id"`
	}
	type in struct {
		Base
		Labels map[string]int  `json:"labels"`
		Raw    json.RawMessage `json:"raw"`
		Count  int64           `json:"count,string"`
		Hidden string          `json:"-"`
	}
	h := newTestProvider(t)
	tk := task.New("embedded", func(_ context.Context, v in) (string, error) { return v.ID, nil },
		task.WithTracerProvider(h.TracerProvider()))

	require.NoError(t, tk.ValidateJSON([]byte(`{"id":"x","labels":{"a":1,"b":2},"raw":{"any":["thing"]},"count":"7"}`)))
	assert.Equal(t, []task.FieldError{
		{Field: "labels.b", Message: "expected integer, got string", Code: task.CodeInvalidType},
		{Field: "Hidden", Message: "unknown field", Code: task.CodeUnrecognizedKeys},
	}, issuesOf(t, tk.ValidateJSON([]byte(`{"id":"x","labels":{"a":1,"b":"2"},"Hidden":"h"}`))))
}

func TestValidateCallsNothing(t *testing.T) {
	h := newTestProvider(t)
	boundaryCalls, calls, records := 0, 0, 0
	store := boundary.New("store", func(context.Context, string) (bool, error) { boundaryCalls++; return true, nil })
	tk := task.New("signup", func(ctx context.Context, s signup) (string, error) {
		calls++
		_, err := store.Call(ctx, s.Email)
		return "ok", err
	}, task.WithBoundaries(store), task.WithTracerProvider(h.TracerProvider()))
	tk.AddListener(func(context.Context, *otelrecord.ExecutionRecord) { records++ })

	valid := signup{Email: "a@b.co", Age: 30, Plan: "pro", Name: "Ada"}
	valid.Address.City = "Paris"
	require.NoError(t, tk.Validate(valid))
	require.NoError(t, tk.ValidateJSON([]byte(`{"email":"a@b.co","age":30,"plan":"pro","name":"Ada","address":{"city":"Paris"}}`)))

	err := tk.Validate(signup{Email: "nope", Age: 12, Plan: "pro", Name: "Ada"})
	assert.Equal(t, []string{"email", "age", "address.city"}, fieldsOf(issuesOf(t, err)))
	_, _, runErr := tk.SafeRun(context.Background(), signup{Email: "nope", Age: 12, Plan: "pro", Name: "Ada"})
	assert.Equal(t, runErr.Error(), err.Error(), "Validate finds what SafeRun finds")
	records = 0

	raw := []byte(`{"email":"nope","age":"x","plan":"pro","name":"Ada","nick":"a"}`)
	err = tk.ValidateJSON(raw)
	assert.Equal(t, []string{"age", "nick", "email", "address.city"}, fieldsOf(issuesOf(t, err)))
	_, _, runErr = tk.RunJSON(context.Background(), raw)
	assert.Equal(t, runErr.Error(), err.Error(), "ValidateJSON finds what RunJSON finds")
	records = 0
	h.Exporter().Reset()

	require.Error(t, tk.ValidateJSON([]byte(`{"email":`)))
	require.Error(t, tk.ValidateJSON(nil), "null decodes to the zero signup, which breaks its rules")
	require.Error(t, tk.Validate(signup{}))
	assert.Zero(t, calls, "the task function never runs")
	assert.Zero(t, boundaryCalls, "no boundary is called")
	assert.Zero(t, records, "no record")
	assert.Empty(t, h.Exporter().GetSpans(), "no span")
}

func fieldsOf(issues []task.FieldError) []string {
	out := make([]string, len(issues))
	for i, f := range issues {
		out[i] = f.Field
	}
	return out
}

func TestSelfDecodingTypeFailureStopsTheChecks(t *testing.T) {
	type in struct {
		When time.Time `json:"when"`
		Name string    `json:"name" validate:"required"`
	}
	tk := task.New("when", func(_ context.Context, v in) (string, error) { return v.Name, nil })
	got := issuesOf(t, tk.ValidateJSON([]byte(`{"extra":1,"when":"yesterday","name":"Ada"}`)))
	require.Len(t, got, 2)
	assert.Equal(t, task.FieldError{Field: "extra", Message: "unknown field", Code: task.CodeUnrecognizedKeys}, got[0])
	assert.Equal(t, "input", got[1].Field)
	assert.Equal(t, task.CodeCustom, got[1].Code)
	assert.Contains(t, got[1].Message, "yesterday", "the decoder's own error, and no rule checked on the half-decoded value")
	require.NoError(t, tk.ValidateJSON([]byte(`{"when":"2026-01-02T03:04:05Z","name":"Ada"}`)))
}
