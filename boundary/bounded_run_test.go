package boundary

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestCallsPastTheRunsLimits(t *testing.T) {
	tp, exp := newTestProvider(t)
	add := New("add", func(_ context.Context, i int) (int, error) {
		if i == 8 {
			return 0, errors.New("eight")
		}
		return i + 1, nil
	})
	r := newRun(tp, run.Config[Mode]{UUID: "0193-bounded", Limits: run.Limits{Calls: 3}})
	ctx := run.NewContext(context.Background(), r)
	for i := range 10 {
		got, err := add.Call(ctx, i)
		if i == 8 {
			require.EqualError(t, err, "eight", "a call past the limits behaves as any other")
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, i+1, got, "a call past the limits behaves as any other")
	}
	assert.Len(t, r.Calls()["add"], 3)
	total, byName := r.Omitted()
	assert.Equal(t, 7, total)
	require.Len(t, byName, 1)
	assert.Equal(t, "add", byName[0].Name)
	assert.Equal(t, 7, byName[0].Count)

	spans := exp.GetSpans()
	require.Len(t, spans, 10, "every call has its span")
	for i, s := range spans {
		a := attrs(s)
		if i < 3 {
			assert.Equal(t, "0193-bounded", a[otelrecord.RunUUIDKey].AsString())
			assert.NotContains(t, a, otelrecord.BoundaryOmittedKey)
			continue
		}
		assert.True(t, a[otelrecord.BoundaryOmittedKey].AsBool(), "span %d", i)
		assert.Equal(t, "add", a[otelrecord.BoundaryNameKey].AsString())
		for _, k := range []attribute.Key{otelrecord.RunUUIDKey, otelrecord.BoundarySeqKey,
			otelrecord.BoundaryInputKey, otelrecord.BoundaryOutputKey} {
			assert.NotContains(t, a, k, "span %d: no run, position or payload", i)
		}
		if i == 8 {
			assert.Equal(t, "eight", a[otelrecord.BoundaryErrorKey].AsString())
		}
	}
	requireCallsRebuilt(t, exp, r)
}

func TestRedactionOfSpanPayloads(t *testing.T) {
	type login struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	type session struct {
		Token string `json:"token"`
		Roles []struct {
			Name   string `json:"name"`
			Secret string `json:"secret"`
		} `json:"roles"`
	}
	tp, exp := newTestProvider(t)
	signIn := New("signIn", func(_ context.Context, in login) (session, error) {
		s := session{Token: "tok-" + in.User}
		s.Roles = append(s.Roles, struct {
			Name   string `json:"name"`
			Secret string `json:"secret"`
		}{"admin", "s3"})
		return s, nil
	})
	r := newRun(tp, run.Config[Mode]{UUID: "0193-redact", Redactor: otelrecord.NewRedactor(otelrecord.RedactPolicy{})})
	out, err := signIn.Call(run.NewContext(context.Background(), r), login{User: "ann", Password: "hunter2"})
	require.NoError(t, err)
	assert.Equal(t, "tok-ann", out.Token, "the caller gets the real result")

	calls := r.Calls()["signIn"]
	require.Len(t, calls, 1)
	assert.JSONEq(t, `[{"user":"ann","password":"hunter2"}]`, string(calls[0].Input), "the run's log is not redacted")
	assert.JSONEq(t, `{"token":"tok-ann","roles":[{"name":"admin","secret":"s3"}]}`, string(calls[0].Output))

	a := attrs(exp.GetSpans()[0])
	assert.JSONEq(t, `[{"user":"ann","password":"[REDACTED]"}]`, a[otelrecord.BoundaryInputKey].AsString())
	assert.JSONEq(t, `{"token":"[REDACTED]","roles":[{"name":"admin","secret":"[REDACTED]"}]}`, a[otelrecord.BoundaryOutputKey].AsString())
}

func TestRedactionOutsideRuns(t *testing.T) {
	tp, exp := newTestProvider(t)
	echo := New("echo", func(_ context.Context, m map[string]string) (map[string]string, error) { return m, nil },
		WithTracerProvider(tp))
	out, err := echo.Call(context.Background(), map[string]string{"apiKey": "k", "q": "x"})
	require.NoError(t, err)
	assert.Equal(t, "k", out["apiKey"])
	a := attrs(exp.GetSpans()[0])
	assert.JSONEq(t, `[{"apiKey":"[REDACTED]","q":"x"}]`, a[otelrecord.BoundaryInputKey].AsString(), "the process's policy")
	assert.JSONEq(t, `{"apiKey":"[REDACTED]","q":"x"}`, a[otelrecord.BoundaryOutputKey].AsString())
}
