package boundary_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

func ExampleNew() {
	double := boundary.New("double", func(_ context.Context, n int) (int, error) {
		return n * 2, nil
	})
	// Outside a task run, a call makes a span and records nothing.
	out, err := double.Call(context.Background(), 21)
	fmt.Println(out, err)
	// Output: 42 <nil>
}

// A boundary of two arguments records its calls as the TypeScript task
// package does, with the array of the arguments as the input, so a record
// made by either language answers the other's boundaries in a replay.
func ExampleNew2() {
	convert := boundary.New2("convert", func(_ context.Context, amount float64, currency string) (float64, error) {
		if currency != "EUR" {
			return 0, fmt.Errorf("no rate for %s", currency)
		}
		return amount * 1.25, nil
	})
	now := boundary.New0("now", func(context.Context) (int64, error) { return 1795633372498, nil })
	quote := task.New("quote", func(ctx context.Context, amount float64) (float64, error) {
		if _, err := now.Call(ctx); err != nil {
			return 0, err
		}
		return convert.Call(ctx, amount, "EUR")
	}, task.WithBoundaries(convert, now))

	out, rec, _ := quote.SafeRun(context.Background(), 8)
	fmt.Println(out)
	fmt.Printf("now%s convert%s -> %s\n", rec.Boundaries["now"][0].Input,
		rec.Boundaries["convert"][0].Input, rec.Boundaries["convert"][0].Output)

	// Replayed from a record, here one a TypeScript run made, the calls
	// are answered from it.
	ts := &otelrecord.ExecutionRecord{
		Input: json.RawMessage(`8`),
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"now":     {{Input: json.RawMessage(`[]`), Output: json.RawMessage(`1795633372498`)}},
			"convert": {{Input: json.RawMessage(`[8, "EUR"]`), Output: json.RawMessage(`9.5`)}},
		},
	}
	out, _, err := quote.SafeReplay(context.Background(), ts, task.ReplayConfig{All: boundary.Replay})
	fmt.Println(out, err)
	// Output:
	// 10
	// now[] convert[8,"EUR"] -> 10
	// 9.5 <nil>
}

// A boundary in ProxyCatch mode inside a task run: the real function fails,
// and the tape answers for the inputs it holds.
func Example_proxyCatch() {
	fetchPrice := boundary.New("fetchPrice", func(_ context.Context, sku string) (float64, error) {
		return 0, errors.New("price service unreachable")
	})
	prices := task.New("prices", func(ctx context.Context, skus []string) ([]float64, error) {
		out := make([]float64, 0, len(skus))
		for _, sku := range skus {
			price, err := fetchPrice.Call(ctx, sku)
			fmt.Println(sku, price, err)
			out = append(out, price)
		}
		return out, nil
	},
		task.WithBoundaries(fetchPrice),
		task.WithMode(boundary.ProxyCatch),
		task.WithTape(map[string][]otelrecord.BoundaryRecord{
			"fetchPrice": {{Input: json.RawMessage(`["book"]`), Output: json.RawMessage(`12.5`)}},
		}))

	_, rec, _ := prices.SafeRun(context.Background(), []string{"book", "pen"})
	for _, c := range rec.Boundaries["fetchPrice"] {
		fmt.Printf("%s -> output %s, error %q\n", c.Input, c.Output, c.Error)
	}
	// Output:
	// book 12.5 <nil>
	// pen 0 price service unreachable
	// ["book"] -> output 12.5, error ""
	// ["pen"] -> output , error "price service unreachable"
}

func ExampleParseMode() {
	m, err := boundary.ParseMode("proxy-pass")
	fmt.Println(m, err)
	_, err = boundary.ParseMode("record")
	fmt.Println(errors.Is(err, boundary.ErrInvalidMode))
	// Output:
	// proxy-pass <nil>
	// true
}
