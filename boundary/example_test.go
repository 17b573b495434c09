package boundary_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
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

func ExampleNewTape() {
	fetchPrice := boundary.New("fetchPrice", func(_ context.Context, sku string) (float64, error) {
		return 0, errors.New("price service unreachable")
	})
	tape, err := boundary.NewTape(map[string][]otelrecord.BoundaryRecord{
		"fetchPrice": {{Input: json.RawMessage(`["book"]`), Output: json.RawMessage(`12.5`)}},
	})
	if err != nil {
		panic(err)
	}
	run := boundary.NewRun(boundary.RunConfig{DefaultMode: boundary.ProxyCatch, Tape: tape})
	defer run.Close()
	ctx := boundary.ContextWithRun(context.Background(), run)

	price, err := fetchPrice.Call(ctx, "book") // fails, the tape answers
	fmt.Println(price, err)
	_, err = fetchPrice.Call(ctx, "pen") // fails, nothing on tape
	fmt.Println(err)
	for _, c := range run.Calls()["fetchPrice"] {
		fmt.Printf("%s -> output %s, error %q\n", c.Input, c.Output, c.Error)
	}
	// Output:
	// 12.5 <nil>
	// price service unreachable
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
