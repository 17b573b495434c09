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
