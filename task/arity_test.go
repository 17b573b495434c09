package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type transferIn struct {
	Account string `json:"account" validate:"required"`
	Amount  int    `json:"amount"`
}

type transferOut struct {
	Balance int   `json:"balance"`
	At      int64 `json:"at"`
	Audited bool  `json:"audited"`
}

type auditMeta struct {
	Token string `json:"token"`
	Note  string `json:"note"`
}

// ledger is a task with a boundary of each arity: now (none), credit (two),
// audit (three, one of them an object with a secret).
type ledger struct {
	tk     *task.Task[transferIn, transferOut]
	now    *boundary.Boundary0[int64]
	credit *boundary.Boundary2[string, int, int]
	audit  *boundary.Boundary3[string, int, auditMeta, bool]
	real   atomic.Int64
}

func newLedger(tp trace.TracerProvider, opts ...task.Option) *ledger {
	l := &ledger{}
	l.now = boundary.New0("now", func(context.Context) (int64, error) { l.real.Add(1); return 1795633372498, nil })
	l.credit = boundary.New2("credit", func(_ context.Context, account string, amount int) (int, error) {
		l.real.Add(1)
		if amount < 0 {
			return 0, errors.New("negative amount")
		}
		return 100 + amount, nil
	})
	l.audit = boundary.New3("audit", func(_ context.Context, account string, amount int, m auditMeta) (bool, error) {
		l.real.Add(1)
		return m.Token != "", nil
	})
	l.tk = task.New("transfer", func(ctx context.Context, in transferIn) (transferOut, error) {
		at, err := l.now.Call(ctx)
		if err != nil {
			return transferOut{}, err
		}
		bal, err := l.credit.Call(ctx, in.Account, in.Amount)
		if err != nil {
			return transferOut{}, err
		}
		ok, err := l.audit.Call(ctx, in.Account, in.Amount, auditMeta{Token: "s3cret", Note: "transfer"})
		if err != nil {
			return transferOut{}, err
		}
		return transferOut{Balance: bal, At: at, Audited: ok}, nil
	}, append([]task.Option{task.WithBoundaries(l.now, l.credit, l.audit), task.WithTracerProvider(tp)}, opts...)...)
	return l
}

// TestArityRecordAndRebuild: the record of a run holds each call's arguments
// as a JSON array, its spans the same (redacted), and the record rebuilt
// from the spans equals the one listeners get (checkAll).
func TestArityRecordAndRebuild(t *testing.T) {
	h := newTestProvider(t)
	l := newLedger(h.TracerProvider())
	checkAll(t, h, l.tk)
	var heard *otelrecord.ExecutionRecord
	l.tk.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) { heard = rec })

	out, rec, err := l.tk.SafeRun(context.Background(), transferIn{Account: "a-1", Amount: 5})
	require.NoError(t, err)
	assert.Equal(t, transferOut{Balance: 105, At: 1795633372498, Audited: true}, out)
	assert.JSONEq(t, `[]`, string(rec.Boundaries["now"][0].Input))
	assert.JSONEq(t, `["a-1",5]`, string(rec.Boundaries["credit"][0].Input))
	assert.JSONEq(t, `105`, string(rec.Boundaries["credit"][0].Output))
	assert.JSONEq(t, `["a-1",5,{"token":"s3cret","note":"transfer"}]`, string(rec.Boundaries["audit"][0].Input),
		"the record SafeRun returns is not redacted")

	require.NotNil(t, heard)
	assert.JSONEq(t, `["a-1",5,{"token":"[REDACTED]","note":"transfer"}]`, string(heard.Boundaries["audit"][0].Input),
		"the record that leaves the process is")
	a := attrs(spanNamed(t, h.Exporter().GetSpans(), "audit"))
	assert.JSONEq(t, `["a-1",5,{"token":"[REDACTED]","note":"transfer"}]`, a[otelrecord.BoundaryInputKey].AsString())
	assert.Equal(t, `[]`, attrs(spanNamed(t, h.Exporter().GetSpans(), "now"))[otelrecord.BoundaryInputKey].AsString())
	h.AssertRebuilt(t, heard)
}

// TestArityMockBoundary: MockBoundary0, 2 and 3 tie a mock's type to the
// boundary's; a mocked call is recorded as any; a nil mock removes it.
func TestArityMockBoundary(t *testing.T) {
	h := newTestProvider(t)
	l := newLedger(h.TracerProvider())
	checkAll(t, h, l.tk)

	require.NoError(t, task.MockBoundary0(l.tk, l.now, func(context.Context) (int64, error) { return 7, nil }))
	require.NoError(t, task.MockBoundary2(l.tk, l.credit, func(_ context.Context, account string, amount int) (int, error) {
		return len(account) * amount, nil
	}))
	require.NoError(t, task.MockBoundary3(l.tk, l.audit, func(context.Context, string, int, auditMeta) (bool, error) {
		return false, nil
	}))
	out, rec, err := l.tk.SafeRun(context.Background(), transferIn{Account: "a-1", Amount: -5})
	require.NoError(t, err, "the real credit fails for a negative amount; the mock does not")
	assert.Equal(t, transferOut{Balance: -15, At: 7}, out)
	assert.Zero(t, l.real.Load())
	assert.JSONEq(t, `["a-1",-5]`, string(rec.Boundaries["credit"][0].Input))
	assert.JSONEq(t, `-15`, string(rec.Boundaries["credit"][0].Output))

	require.NoError(t, task.MockBoundary2[transferIn, transferOut, string, int, int](l.tk, l.credit, nil))
	_, err = l.tk.Run(context.Background(), transferIn{Account: "a-1", Amount: -5})
	require.EqualError(t, err, "negative amount", "the real credit again")
	assert.Equal(t, int64(1), l.real.Load(), "now and audit still mocked")

	l.tk.ResetMocks()
	_, err = l.tk.Run(context.Background(), transferIn{Account: "a-1", Amount: 1})
	require.NoError(t, err)
	assert.Equal(t, int64(4), l.real.Load())

	other2 := boundary.New2("other", func(context.Context, int, int) (int, error) { return 0, nil })
	err = task.MockBoundary2(l.tk, other2, func(context.Context, int, int) (int, error) { return 0, nil })
	require.ErrorIs(t, err, task.ErrNotDeclared)
	other0 := boundary.New0("other", func(context.Context) (int, error) { return 0, nil })
	require.ErrorIs(t, task.MockBoundary0(l.tk, other0, func(context.Context) (int, error) { return 0, nil }), task.ErrNotDeclared)
	require.Error(t, task.MockBoundary3[transferIn, transferOut, string, int, auditMeta, bool](l.tk, nil, nil))

	// A wrong signature does not compile:
	//   task.MockBoundary2(l.tk, l.credit, func(context.Context, string) (int, error) {...})
}

// TestAritySafeReplay: a record of a run replays with every arity answered
// from it, to the same output, without calling any real function; the
// proxy-pass and proxy-catch modes read it too.
func TestAritySafeReplay(t *testing.T) {
	h := newTestProvider(t)
	l := newLedger(h.TracerProvider())
	checkAll(t, h, l.tk)
	out, old, err := l.tk.SafeRun(context.Background(), transferIn{Account: "a-1", Amount: 5})
	require.NoError(t, err)
	// Answers the real functions would not give, to tell them apart.
	old.Boundaries["now"][0].Output = json.RawMessage(`1`)
	old.Boundaries["credit"][0].Output = json.RawMessage(`1000`)
	l.real.Store(0)

	got, rec, err := l.tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.Replay})
	require.NoError(t, err)
	assert.Equal(t, transferOut{Balance: 1000, At: 1, Audited: true}, got)
	assert.Zero(t, l.real.Load(), "every call answered from the record")
	for name, calls := range old.Boundaries {
		require.Len(t, rec.Boundaries[name], 1, name)
		assert.JSONEq(t, string(calls[0].Input), string(rec.Boundaries[name][0].Input), name)
	}

	got, _, err = l.tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.ProxyPass})
	require.NoError(t, err)
	assert.Equal(t, transferOut{Balance: 1000, At: 1, Audited: true}, got, "proxy-pass: from the record")
	assert.Zero(t, l.real.Load())

	got, _, err = l.tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.ProxyCatch})
	require.NoError(t, err)
	assert.Equal(t, out, got, "proxy-catch: the real functions succeed")
	assert.Equal(t, int64(3), l.real.Load())

	// Another amount: credit's input is not on the record.
	neg := old.Clone()
	neg.Input = json.RawMessage(`{"account":"a-1","amount":-5}`)
	neg.Boundaries["credit"][0].Input = json.RawMessage(`["a-1", -5]`)
	got, _, err = l.tk.SafeReplay(context.Background(), neg, task.ReplayConfig{
		All: boundary.Replay, Boundaries: map[string]boundary.Mode{"credit": boundary.ProxyCatch, "audit": boundary.Proxy},
	})
	require.NoError(t, err)
	assert.Equal(t, 1000, got.Balance, "proxy-catch: the real credit fails, the record answers")
}

// TestArityReplayWrongLength: a record whose calls of a boundary have
// another number of arguments than the boundary takes fails the replay with
// an error saying so.
func TestArityReplayWrongLength(t *testing.T) {
	h := newTestProvider(t)
	l := newLedger(h.TracerProvider())
	checkAll(t, h, l.tk)
	_, old, err := l.tk.SafeRun(context.Background(), transferIn{Account: "a-1", Amount: 5})
	require.NoError(t, err)
	old.Boundaries["credit"][0].Input = json.RawMessage(`[{"account":"a-1","amount":5}]`)

	_, rec, err := l.tk.SafeReplay(context.Background(), old, task.ReplayConfig{All: boundary.Replay})
	require.ErrorIs(t, err, boundary.ErrNoRecording)
	require.ErrorIs(t, err, boundary.ErrArgCount)
	assert.Contains(t, err.Error(), `boundary credit: no recording for input ["a-1",5]`)
	assert.Contains(t, err.Error(), "the boundary takes 2 arguments, its recorded inputs have 1 argument")
	assert.Equal(t, otelrecord.TypeError, rec.Type)
}

// TestArityUnencodableAndBounded: an argument with no JSON encoding is
// recorded null in its place with a note in the record's metadata, and calls
// of every arity past the run's bound are counted, not kept; the records
// rebuilt from spans agree (checkAll).
func TestArityUnencodableAndBounded(t *testing.T) {
	h := newTestProvider(t)
	scale := boundary.New2("scale", func(_ context.Context, x, by float64) (float64, error) { return x * by, nil })
	tick := boundary.New0("tick", func(context.Context) (int, error) { return 1, nil })
	tk := checkAll(t, h, task.New("scaled", func(ctx context.Context, n int) (float64, error) {
		sum := 0.0
		for i := range n {
			if _, err := tick.Call(ctx); err != nil {
				return 0, err
			}
			by := float64(i)
			if i == 1 {
				by = math.Inf(1)
			}
			v, err := scale.Call(ctx, 2, by)
			if err != nil {
				return 0, err
			}
			if !math.IsInf(v, 0) {
				sum += v
			}
		}
		return sum, nil
	}, task.WithBoundaries(scale, tick), task.WithTracerProvider(h.TracerProvider()), task.WithMaxRunCalls(4)))

	out, rec, err := tk.SafeRun(context.Background(), 4)
	require.NoError(t, err)
	assert.InDelta(t, 10.0, out, 1e-9, "every call runs, kept or not")
	require.Len(t, rec.Boundaries["scale"], 2)
	require.Len(t, rec.Boundaries["tick"], 2)
	assert.JSONEq(t, `[2,null]`, string(rec.Boundaries["scale"][1].Input))
	assert.Equal(t, "argument 2: json: unsupported value: +Inf",
		rec.Metadata[otelrecord.UnencodableKey("scale", 1, otelrecord.UnencodableInput)])
	assert.Equal(t, "4", rec.Metadata[otelrecord.MetadataCallsOmitted])
	h.AssertRebuilt(t, rec)
}
