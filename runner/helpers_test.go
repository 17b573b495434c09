package runner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

// PriceInput is the input of the test task.
type PriceInput struct {
	Item string `json:"item" validate:"required"`
	Qty  int    `json:"qty" validate:"gt=0"`
}

// Quote is its output.
type Quote struct {
	Item  string  `json:"item"`
	Total float64 `json:"total"`
}

// shop is the test service: a quote task with a price boundary whose real
// function knows two items, and a greeting task without boundaries.
type shop struct {
	fetchPrice *boundary.Boundary[string, float64]
	quote      *task.Task[PriceInput, Quote]
	greet      *task.Task[string, string]
	realCalls  int
}

func newShop() *shop {
	s := &shop{}
	prices := map[string]float64{"apple": 0.5, "pear": 0.75}
	s.fetchPrice = boundary.New("fetchPrice", func(_ context.Context, item string) (float64, error) {
		s.realCalls++
		p, ok := prices[item]
		if !ok {
			return 0, fmt.Errorf("no price for %s", item)
		}
		return p, nil
	})
	s.quote = task.New("quote", func(ctx context.Context, in PriceInput) (Quote, error) {
		p, err := s.fetchPrice.Call(ctx, in.Item)
		if err != nil {
			return Quote{}, err
		}
		return Quote{Item: in.Item, Total: p * float64(in.Qty)}, nil
	}, task.WithBoundaries(s.fetchPrice), task.WithDescription("Quote a quantity of an item"))
	s.greet = task.New("greet", func(_ context.Context, name string) (string, error) {
		if name == "" {
			return "", errors.New("nobody to greet")
		}
		return "hello, " + name, nil
	})
	return s
}

// cli is a runner of the test shop with captured output.
type cli struct {
	r              *runner.Runner
	shop           *shop
	stdout, stderr *bytes.Buffer
}

func newCLI(t *testing.T, opts ...runner.Option) *cli {
	t.Helper()
	c := &cli{shop: newShop(), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	c.r = runner.New(append([]runner.Option{runner.WithName("svc"), runner.WithOutput(c.stdout, c.stderr)}, opts...)...)
	require.NoError(t, c.r.Register(c.shop.quote, c.shop.greet))
	return c
}

// run runs a command line and returns its status; the output stays in
// c.stdout and c.stderr, emptied first.
func (c *cli) run(t *testing.T, args ...string) int {
	t.Helper()
	c.stdout.Reset()
	c.stderr.Reset()
	return c.r.Run(t.Context(), args)
}

func (c *cli) out() string { return c.stdout.String() }
func (c *cli) err() string { return c.stderr.String() }

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
