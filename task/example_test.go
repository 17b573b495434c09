package task_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type quoteIn struct {
	Symbol string `json:"symbol" validate:"required"`
}

func newQuoteTask() (*task.Task[quoteIn, float64], *boundary.Boundary[string, float64]) {
	price := boundary.New("price", func(_ context.Context, sym string) (float64, error) {
		return float64(len(sym)) * 10, nil // stands in for a market data API
	})
	t := task.New("quote", func(ctx context.Context, in quoteIn) (float64, error) {
		p, err := price.Call(ctx, in.Symbol)
		if err != nil {
			return 0, err
		}
		_ = task.SetMetadata(ctx, "symbol", in.Symbol)
		return p * 1.1, nil
	}, task.WithDescription("Quote a symbol"), task.WithBoundaries(price))
	return t, price
}

func ExampleTask_SafeRun() {
	quote, _ := newQuoteTask()
	out, rec, err := quote.SafeRun(context.Background(), quoteIn{Symbol: "ACME"})
	fmt.Printf("%.1f %v\n", out, err)
	fmt.Println(rec.Type, rec.Metadata["symbol"], string(rec.Boundaries["price"][0].Input))

	_, rec, err = quote.SafeRun(context.Background(), quoteIn{})
	fmt.Println(err)
	fmt.Println(rec.Type, rec.Timing == nil, len(rec.Boundaries["price"]))
	// Output:
	// 44.0 <nil>
	// success ACME ["ACME"]
	// Invalid input on: symbol: is required
	// error true 0
}

func ExampleTask_SafeReplay() {
	quote, _ := newQuoteTask()
	_, rec, _ := quote.SafeRun(context.Background(), quoteIn{Symbol: "ACME"})

	// Pretend the price was different when the record was made.
	rec.Boundaries["price"][0].Output = json.RawMessage(`100`)
	out, _, err := quote.SafeReplay(context.Background(), rec, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"price": boundary.Replay},
	})
	fmt.Printf("%.1f %v\n", out, err)
	// Output: 110.0 <nil>
}

func ExampleMockBoundary() {
	quote, price := newQuoteTask()
	_ = task.MockBoundary(quote, price, func(context.Context, string) (float64, error) { return 1, nil })
	out, _ := quote.Run(context.Background(), quoteIn{Symbol: "ACME"})
	fmt.Printf("%.1f\n", out)
	// Output: 1.1
}

func ExampleListenExecutionRecords() {
	done := make(chan string, 1)
	remove := task.ListenExecutionRecords(func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		done <- rec.TaskName + " " + string(rec.Type)
	})
	defer remove()
	quote, _ := newQuoteTask()
	_, _ = quote.Run(context.Background(), quoteIn{Symbol: "X"})
	fmt.Println(<-done)
	// Output: quote success
}

func ExampleTask_Handler() {
	quote, _ := newQuoteTask()
	srv := httptest.NewServer(quote.Handler())
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"args":{"symbol":"AB"}}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 22
}
