package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// The fixture testdata/typescript_multi_arg_record.json is a record of the
// TypeScript task below, as @forgehive/task records it: each boundary call's
// input is the array of the call's arguments.
//
//	fn: async ({sku, region, quantity, code}, boundaries) => {
//	  const quotedAt = await boundaries.getNow()
//	  const first = await boundaries.getPrice(sku, region)
//	  const again = await boundaries.getPrice(sku, region)
//	  let reserved = true
//	  try { await boundaries.reserveStock(sku, quantity) } catch { reserved = false }
//	  const total = await boundaries.applyDiscount(Math.max(first.amount, again.amount) * quantity, 10, code)
//	  await setMetadata('region', region)
//	  await setMetrics({type: 'business', name: 'order_total', value: total})
//	  return {total, currency: first.currency, reserved, quotedAt}
//	}
//
// tsPriceOrder is the same task in Go.
const tsMultiArgFixture = "testdata/typescript_multi_arg_record.json"

type tsOrderIn struct {
	SKU      string `json:"sku" validate:"required"`
	Region   string `json:"region"`
	Quantity int    `json:"quantity"`
	Code     string `json:"code"`
}

type tsOrderOut struct {
	Total    float64 `json:"total"`
	Currency string  `json:"currency"`
	Reserved bool    `json:"reserved"`
	QuotedAt int64   `json:"quotedAt"`
}

type tsPrice struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// tsPriceOrder is the Go task of the fixture's TypeScript task, with
// boundaries of zero (getNow), two (getPrice, reserveStock, notify) and
// three (applyDiscount) arguments. Its real functions answer as the
// TypeScript ones did when the fixture was recorded; real counts their
// calls.
func tsPriceOrder(tp trace.TracerProvider, real *atomic.Int64) *task.Task[tsOrderIn, tsOrderOut] {
	var quotes atomic.Int64
	getNow := boundary.New0("getNow", func(context.Context) (int64, error) {
		real.Add(1)
		return 1795633372498, nil
	})
	getPrice := boundary.New2("getPrice", func(_ context.Context, sku, region string) (tsPrice, error) {
		real.Add(1)
		return tsPrice{Amount: 12.5 + 0.5*float64(quotes.Add(1)-1), Currency: "EUR"}, nil
	})
	reserveStock := boundary.New2("reserveStock", func(_ context.Context, sku string, quantity int) (bool, error) {
		real.Add(1)
		return false, fmt.Errorf("out of stock: %s", sku)
	})
	applyDiscount := boundary.New3("applyDiscount", func(_ context.Context, amount, percent float64, code string) (float64, error) {
		real.Add(1)
		return amount * (100 - percent) / 100, nil
	})
	notify := boundary.New2("notify", func(context.Context, string, string) (bool, error) { real.Add(1); return true, nil })

	return task.New("priceOrder", func(ctx context.Context, in tsOrderIn) (tsOrderOut, error) {
		quotedAt, err := getNow.Call(ctx)
		if err != nil {
			return tsOrderOut{}, err
		}
		first, err := getPrice.Call(ctx, in.SKU, in.Region)
		if err != nil {
			return tsOrderOut{}, err
		}
		again, err := getPrice.Call(ctx, in.SKU, in.Region)
		if err != nil {
			return tsOrderOut{}, err
		}
		reserved := true
		if _, err := reserveStock.Call(ctx, in.SKU, in.Quantity); err != nil {
			reserved = false
		}
		total, err := applyDiscount.Call(ctx, max(first.Amount, again.Amount)*float64(in.Quantity), 10, in.Code)
		if err != nil {
			return tsOrderOut{}, err
		}
		if err := task.SetMetadata(ctx, "region", in.Region); err != nil {
			return tsOrderOut{}, err
		}
		if err := task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "order_total", Value: total}); err != nil {
			return tsOrderOut{}, err
		}
		return tsOrderOut{Total: total, Currency: first.Currency, Reserved: reserved, QuotedAt: quotedAt}, nil
	}, task.WithBoundaries(getNow, getPrice, reserveStock, applyDiscount, notify), task.WithTracerProvider(tp))
}

func loadTSMultiArgRecord(t *testing.T) ([]byte, *otelrecord.ExecutionRecord) {
	t.Helper()
	raw, err := os.ReadFile(tsMultiArgFixture)
	require.NoError(t, err)
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(raw, &rec))
	return raw, &rec
}

// TestTypeScriptMultiArgRecordReplaysInGo: the TypeScript record decodes and
// encodes back to the same JSON, and replaying it answers every Go boundary
// (none, two and three arguments; the k-th call with an input from the k-th
// recording; a recorded error) from it: no real function runs, and the Go
// task's output equals the record's. The replay's record, rebuilt from its
// spans, equals the one the replay returned.
func TestTypeScriptMultiArgRecordReplaysInGo(t *testing.T) {
	raw, rec := loadTSMultiArgRecord(t)
	back, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(back), "a TypeScript record round-trips")

	h := fidelity.NewHarness(t)
	var real atomic.Int64
	tk := tsPriceOrder(h.TracerProvider(), &real)
	out, replayed, err := tk.SafeReplay(context.Background(), rec, task.ReplayConfig{All: boundary.Replay})
	require.NoError(t, err)
	assert.Zero(t, real.Load(), "every call answered from the TypeScript record")
	got, err := json.Marshal(out)
	require.NoError(t, err)
	assert.JSONEq(t, string(rec.Output), string(got), "the Go task's output is the TypeScript record's")
	assert.JSONEq(t, string(rec.Output), string(replayed.Output))
	for name, calls := range rec.Boundaries {
		require.Len(t, replayed.Boundaries[name], len(calls), name)
		for i, c := range calls {
			r := replayed.Boundaries[name][i]
			assert.JSONEq(t, string(c.Input), string(r.Input), "%s call %d", name, i)
			assert.Equal(t, c.Error, r.Error, "%s call %d", name, i)
			if c.Error == "" {
				assert.JSONEq(t, string(c.Output), string(r.Output), "%s call %d", name, i)
			}
		}
	}
	h.AssertRebuilt(t, replayed)

	// The same record, with the two-argument calls recorded with one
	// argument, cannot answer the Go boundary, and the error says why.
	bad := rec.Clone()
	bad.Boundaries["getPrice"] = []otelrecord.BoundaryRecord{{Input: json.RawMessage(`[{"sku":"sku-1","region":"eu"}]`), Output: json.RawMessage(`{"amount":1}`)}}
	_, _, err = tk.SafeReplay(context.Background(), bad, task.ReplayConfig{All: boundary.Replay})
	require.ErrorIs(t, err, boundary.ErrArgCount)
	assert.Contains(t, err.Error(), "the boundary takes 2 arguments, its recorded inputs have 1 argument")
}

// TestGoMultiArgRecordHasTheTypeScriptShape: a Go run of the same task, its
// real functions answering as the TypeScript ones did, makes a record that
// encodes to the fixture's JSON but for what differs from run to run (uuid,
// timing, the run's span ids); the record rebuilt from its spans is the
// same.
func TestGoMultiArgRecordHasTheTypeScriptShape(t *testing.T) {
	raw, _ := loadTSMultiArgRecord(t)
	h := fidelity.NewHarness(t)
	var real atomic.Int64
	tk := tsPriceOrder(h.TracerProvider(), &real)
	_, rec, err := tk.SafeRun(context.Background(), tsOrderIn{SKU: "sku-1", Region: "eu", Quantity: 3, Code: "WELCOME"})
	require.NoError(t, err)
	assert.Equal(t, int64(5), real.Load())
	h.AssertRebuilt(t, rec)

	goJSON, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.Equal(t, shapeOf(t, raw), shapeOf(t, goJSON))
}

// shapeOf decodes a record's JSON and replaces what differs between two
// runs of one task: the uuid goes, every timing object must hold the three
// numbers of the shape and becomes "timing", and the metadata naming the
// run's span goes.
func shapeOf(t *testing.T, raw []byte) string {
	t.Helper()
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec))
	delete(rec, "uuid")
	if md, ok := rec["metadata"].(map[string]any); ok {
		delete(md, otelrecord.MetadataTraceID)
		delete(md, otelrecord.MetadataSpanID)
	}
	normaliseTSTiming(t, rec)
	for _, calls := range rec["boundaries"].(map[string]any) {
		for _, c := range calls.([]any) {
			normaliseTSTiming(t, c.(map[string]any))
		}
	}
	out, err := json.MarshalIndent(rec, "", "  ")
	require.NoError(t, err)
	return string(out)
}

func normaliseTSTiming(t *testing.T, obj map[string]any) {
	t.Helper()
	timing, ok := obj["timing"].(map[string]any)
	require.True(t, ok, "a timing object in %v", obj)
	require.Len(t, timing, 3, "startTime, endTime, duration")
	for _, k := range []string{"startTime", "endTime", "duration"} {
		_, isNumber := timing[k].(float64)
		require.True(t, isNumber, "timing.%s is a number", k)
	}
	obj["timing"] = "timing"
}
