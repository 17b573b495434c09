package exporter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// bothTransports is a TracerProvider with a record processor (records
// rebuilt in process, the log-ingest transport) and a run-span processor
// (spans sent as OTLP to a receiver that rebuilds the records, the otlp
// transport) side by side.
type bothTransports struct {
	tp       *sdktrace.TracerProvider
	inProc   *collector
	receiver *exportertest.OTLPReceiver
}

func newBothTransports(t *testing.T, sampler sdktrace.Sampler) *bothTransports {
	t.Helper()
	b := &bothTransports{inProc: &collector{}, receiver: exportertest.NewOTLPReceiver(t)}
	quiet := exporter.WithMeterProvider(noop.NewMeterProvider())
	b.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.RecordHiveSpans(sampler)),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(b.inProc, quiet)),
		sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(newOTLPSink(t, b.receiver), quiet)),
	)
	t.Cleanup(func() { assert.NoError(t, b.tp.Shutdown(context.Background())) })
	return b
}

// requireSameRecords flushes both processors and requires every record
// rebuilt in process to be rebuilt by the receiver too, equal to it
// (fidelity.Canonical: every value, the timing included to the
// nanosecond-derived fraction of a millisecond), and nothing else.
func (b *bothTransports) requireSameRecords(t *testing.T, wantCount int) map[string]*otelrecord.ExecutionRecord {
	t.Helper()
	require.NoError(t, b.tp.ForceFlush(context.Background()))
	b.receiver.FlushPending() // every span was delivered: runs still waiting lack some
	inProc, overOTLP := b.inProc.records(), b.receiver.Records()
	require.Len(t, inProc, wantCount, "records rebuilt in process: %v", fidelity.UUIDs(inProc))
	require.Len(t, overOTLP, wantCount, "records rebuilt from OTLP: %v", fidelity.UUIDs(overOTLP))
	out := make(map[string]*otelrecord.ExecutionRecord, wantCount)
	for _, want := range inProc {
		fidelity.AssertInRedacted(t, overOTLP, want, nil)
		out[want.UUID] = want
	}
	return out
}

type profileIn struct {
	UserID   int    `json:"userId" validate:"required,min=1"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Note     string `json:"note"`
}

type profileOut struct {
	Name  string `json:"name"`
	Token string `json:"token"`
	Bio   string `json:"bio"`
}

// fidelityScenarios runs real tasks of every shape on tp and returns the
// records they returned, by scenario: successes and failures, invalid
// input, a nested task, a replay, redacted payloads (default keys, extra
// keys, a custom rule, payloads not captured), payloads cut to their limit,
// runs past their call bound, a panic, and an error message holding invalid
// UTF-8.
func fidelityScenarios(t *testing.T, tp *sdktrace.TracerProvider) map[string]*otelrecord.ExecutionRecord {
	t.Helper()
	ctx := context.Background()
	out := map[string]*otelrecord.ExecutionRecord{}
	add := func(name string, rec *otelrecord.ExecutionRecord) {
		require.NotNil(t, rec, name)
		out[name] = rec
	}

	fetch := boundary.New("fetchUser", func(_ context.Context, id int) (map[string]any, error) {
		if id >= 90 {
			return nil, fmt.Errorf("user %d: not found", id)
		}
		return map[string]any{"id": id, "name": fmt.Sprint("user-", id), "apiKey": "k-123", "bio": strings.Repeat("b", 300)}, nil
	})
	profile := func(opts ...task.Option) *task.Task[profileIn, profileOut] {
		opts = append([]task.Option{task.WithBoundaries(fetch), task.WithTracerProvider(tp)}, opts...)
		return task.New("getProfile", func(ctx context.Context, in profileIn) (profileOut, error) {
			_ = task.SetMetadata(ctx, "requestId", fmt.Sprint("req-", in.UserID))
			u, err := fetch.Call(ctx, in.UserID)
			if err != nil {
				return profileOut{}, err
			}
			if m, err := otelrecord.NewMetric("business", "score", float64(in.UserID)/3); err == nil {
				_ = task.SetMetrics(ctx, m)
			}
			return profileOut{Name: fmt.Sprint(u["name"]), Token: "t-secret", Bio: fmt.Sprint(u["bio"])}, nil
		}, opts...)
	}
	in := profileIn{UserID: 7, Email: "ada@example.com", Password: "hunter2", Note: "héllo 🌍 \u2028"}

	plain := profile()
	_, rec, err := plain.SafeRun(ctx, in)
	require.NoError(t, err)
	add("success", rec)
	success := rec
	_, rec, _ = plain.SafeRun(ctx, profileIn{UserID: 99})
	add("boundary error", rec)
	_, rec, _ = plain.SafeRun(ctx, profileIn{})
	add("invalid input", rec)
	_, rec, err = plain.SafeReplay(ctx, success, task.ReplayConfig{Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay}})
	require.NoError(t, err)
	add("replay", rec)

	_, rec, _ = profile(task.WithRedactKeys("email", "bio")).SafeRun(ctx, in)
	add("extra redact keys", rec)
	_, rec, _ = profile(task.WithRedactFunc(func(_ []string, key string, _ json.RawMessage) (json.RawMessage, bool) {
		return json.RawMessage(`"[NOTE]"`), key == "note"
	})).SafeRun(ctx, in)
	add("redact func", rec)
	_, rec, _ = profile(task.WithCapturePayloads(false)).SafeRun(ctx, in)
	add("payloads not captured", rec)
	_, rec, _ = profile(task.WithMaxPayloadBytes(64)).SafeRun(ctx, in)
	add("payloads truncated", rec)

	many := boundary.New("tick", func(_ context.Context, i int) (int, error) { return i * 2, nil })
	bounded := task.New("countTicks", func(ctx context.Context, n int) (int, error) {
		sum := 0
		for i := range n {
			v, err := many.Call(ctx, i)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	}, task.WithBoundaries(many), task.WithTracerProvider(tp), task.WithMaxRunCalls(3))
	_, rec, err = bounded.SafeRun(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, "7", rec.Metadata[otelrecord.MetadataCallsOmitted])
	add("calls past the bound", rec)

	child := profile().AsBoundary()
	nested := task.New("digest", func(ctx context.Context, ids []int) (int, error) {
		for _, id := range ids {
			if _, err := child.Call(ctx, profileIn{UserID: id}); err != nil {
				return 0, err
			}
		}
		return len(ids), nil
	}, task.WithBoundaries(child), task.WithTracerProvider(tp))
	_, rec, err = nested.SafeRun(ctx, []int{1, 2})
	require.NoError(t, err)
	add("nested", rec)

	panicky := task.New("panicky", func(context.Context, int) (int, error) { panic("boom \xff") }, task.WithTracerProvider(tp))
	_, rec, _ = panicky.SafeRun(ctx, 1)
	add("panic", rec)
	badText := task.New("badText", func(context.Context, int) (int, error) {
		return 0, errors.New("bad bytes: \xfe\xff end")
	}, task.WithTracerProvider(tp))
	_, rec, _ = badText.SafeRun(ctx, 1)
	add("invalid UTF-8 error", rec)
	return out
}

// TestTransportsRebuildTheSameRecords runs real tasks of every shape with
// both transports side by side: every record the receiver of the OTLP spans
// rebuilds equals the one rebuilt in process (redacted and cut to the
// limits alike), whether the trace sampler keeps the spans or drops them.
// The records also equal what the runs returned, redacted, except where
// records in process keep what spans cut (payload limits, call bounds).
func TestTransportsRebuildTheSameRecords(t *testing.T) {
	for name, sampler := range map[string]sdktrace.Sampler{
		"sampled":     sdktrace.AlwaysSample(),
		"not sampled": sdktrace.NeverSample(),
	} {
		t.Run(name, func(t *testing.T) {
			b := newBothTransports(t, sampler)
			returned := fidelityScenarios(t, b.tp)
			// Each scenario's run, and the two child runs of "nested".
			got := b.requireSameRecords(t, len(returned)+2)

			redactors := map[string]*otelrecord.Redactor{
				"extra redact keys":     otelrecord.NewRedactor(otelrecord.RedactPolicy{Keys: []string{"email", "bio"}}),
				"payloads not captured": otelrecord.NewRedactor(otelrecord.RedactPolicy{OmitPayloads: true}),
			}
			for scenario, want := range returned {
				rebuilt := got[want.UUID]
				require.NotNil(t, rebuilt, scenario)
				switch scenario {
				case "payloads truncated":
					_, cut := otelrecord.IsTruncated(rebuilt.Output)
					assert.True(t, cut, "the output is a truncation marker: %s", rebuilt.Output)
				case "redact func", "calls past the bound", "panic", "invalid UTF-8 error":
					// A custom rule has no redactor to compare with; the
					// others are compared across transports only.
				default:
					r, ok := redactors[scenario]
					if !ok {
						fidelity.AssertInRedacted(t, []*otelrecord.ExecutionRecord{rebuilt}, want, otelrecord.NewRedactor(otelrecord.RedactPolicy{}))
						continue
					}
					fidelity.AssertInRedacted(t, []*otelrecord.ExecutionRecord{rebuilt}, want, r)
				}
			}
			assert.Contains(t, string(got[returned["redact func"].UUID].Input), `"note":"[NOTE]"`)
			assert.Contains(t, string(got[returned["success"].UUID].Input), `"password":"[REDACTED]"`)
			// Protobuf strings are UTF-8: the OTLP record holds U+FFFD where
			// the record in process holds the invalid bytes, which its JSON
			// encodes as U+FFFD all the same.
			for _, r := range b.receiver.Records() {
				if r.UUID == returned["invalid UTF-8 error"].UUID {
					assert.Equal(t, "bad bytes: \uFFFD\uFFFD end", r.Error)
				}
			}
		})
	}
}

// The hand-written runs of the other tests (every shape of call, metadata,
// metrics; an incomplete record) come out the same over both transports.
func TestTransportsRebuildTheSameHandWrittenRuns(t *testing.T) {
	b := newBothTransports(t, sdktrace.AlwaysSample())
	tracer := b.tp.Tracer("test")
	ctx := context.Background()
	emitRun(ctx, t, tracer, sampleRun("report"))
	emitRun(ctx, t, tracer, fakeRun{task: "failing", err: "it failed", declared: []string{"db"},
		calls: []fakeCall{{name: "db", input: `["q"]`, err: "db down"}}})
	incomplete := sampleRun("incomplete")
	incomplete.missingCalls = 2
	emitRun(ctx, t, tracer, incomplete)
	open := startRun(ctx, t, tracer, sampleRun("late"))
	open.callAll()
	open.end()
	open.call(fakeCall{name: "fetchUser", input: `[5]`, output: `{}`}) // late: in neither record
	got := b.requireSameRecords(t, 4)
	incompleteRecords := 0
	for _, r := range got {
		if _, ok := r.Metadata[otelrecord.MetadataIncomplete]; ok {
			incompleteRecords++
		}
	}
	assert.Equal(t, 1, incompleteRecords)
}
