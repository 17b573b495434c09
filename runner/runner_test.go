package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

func TestRegister(t *testing.T) {
	s := newShop()
	r := runner.New()
	require.NoError(t, r.Register(s.quote))
	var nilTask *task.Task[int, int]
	require.ErrorContains(t, r.Register(nilTask), "task 1 of 1 is nil")
	err := r.Register(s.greet, s.quote, nil)
	require.ErrorIs(t, err, runner.ErrDuplicateTask)
	assert.Contains(t, err.Error(), `"quote"`)
	assert.Contains(t, err.Error(), "task 3 of 3 is nil")
	require.ErrorContains(t, r.Register(task.New("", func(context.Context, int) (int, error) { return 0, nil })), "has no name")
}

func TestUsage(t *testing.T) {
	c := newCLI(t)
	assert.Equal(t, runner.ExitUsage, c.run(t))
	assert.Contains(t, c.err(), "Usage: svc COMMAND")

	assert.Equal(t, runner.ExitOK, c.run(t, "--help"))
	for _, name := range []string{"list", "describe", "run", "replay", "serve"} {
		assert.Contains(t, c.out(), "  "+name+" ")
	}
	assert.Equal(t, runner.ExitOK, c.run(t, "help"))

	assert.Equal(t, runner.ExitUsage, c.run(t, "frobnicate"))
	assert.Contains(t, c.err(), `unknown command "frobnicate"`)

	assert.Equal(t, runner.ExitOK, c.run(t, "replay", "-h"))
	assert.Contains(t, c.out(), "Usage: svc replay TASK")
	assert.Equal(t, 1, strings.Count(c.out(), "Usage:"), c.out())
	assert.Contains(t, c.out(), "-uuid uuid")

	assert.Equal(t, runner.ExitUsage, c.run(t, "list", "--nope"))
	assert.Contains(t, c.err(), "flag provided but not defined: -nope")
	assert.Contains(t, c.err(), "Run 'svc list --help' for usage.")
}

func TestDefaultCommand(t *testing.T) {
	c := newCLI(t, runner.WithDefaultCommand("list"))
	assert.Equal(t, runner.ExitOK, c.run(t))
	assert.Contains(t, c.out(), "quote")
	assert.Equal(t, runner.ExitOK, c.run(t, "--json"))
	assert.True(t, json.Valid(c.stdout.Bytes()), c.out())
}

func TestList(t *testing.T) {
	c := newCLI(t)
	require.Equal(t, runner.ExitOK, c.run(t, "list"))
	got := lines(c.out())
	require.Len(t, got, 3)
	assert.Regexp(t, `^TASK\s+BOUNDARIES\s+DESCRIPTION$`, got[0])
	assert.Regexp(t, `^greet\s+-\s+-$`, got[1])
	assert.Regexp(t, `^quote\s+fetchPrice\s+Quote a quantity of an item$`, got[2])

	require.Equal(t, runner.ExitOK, c.run(t, "list", "--json"))
	assert.JSONEq(t, `[{"name":"greet","description":"","boundaries":[]},
		{"name":"quote","description":"Quote a quantity of an item","boundaries":["fetchPrice"]}]`, c.out())

	assert.Equal(t, runner.ExitUsage, c.run(t, "list", "extra"))
}

func TestDescribe(t *testing.T) {
	c := newCLI(t)
	require.Equal(t, runner.ExitOK, c.run(t, "describe", "quote"))
	assert.Contains(t, c.out(), "task:        quote\n")
	assert.Contains(t, c.out(), "boundaries:  fetchPrice\n")
	assert.Contains(t, c.out(), `"qty": {`)

	require.Equal(t, runner.ExitOK, c.run(t, "describe", "--json", "quote"))
	var d struct {
		Name        string          `json:"name"`
		Boundaries  []string        `json:"boundaries"`
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &d))
	assert.Equal(t, "quote", d.Name)
	assert.Equal(t, []string{"fetchPrice"}, d.Boundaries)
	assert.JSONEq(t, string(c.shop.quote.Describe()), string(d.InputSchema))

	assert.Equal(t, runner.ExitUsage, c.run(t, "describe", "nope"))
	assert.Contains(t, c.err(), `unknown task "nope" (known: greet, quote)`)
	assert.Equal(t, runner.ExitUsage, c.run(t, "describe"))
}

func TestRun(t *testing.T) {
	c := newCLI(t)
	require.Equal(t, runner.ExitOK, c.run(t, "run", "quote", `{"item":"apple","qty":4}`), c.err())
	assert.JSONEq(t, `{"item":"apple","total":2}`, c.out())
	assert.Regexp(t, `^record [0-9a-f-]{36}: success in [0-9.]+ ms\n$`, c.err())

	c.r = runner.New(runner.WithName("svc"), runner.WithOutput(c.stdout, c.stderr), runner.WithInput(strings.NewReader(`{"item":"pear","qty":2}`)))
	require.NoError(t, c.r.Register(c.shop.quote))
	require.Equal(t, runner.ExitOK, c.run(t, "run", "quote", "-"), c.err())
	assert.JSONEq(t, `{"item":"pear","total":1.5}`, c.out())

	// A failing run: status 1, the error on stderr; with --json the record.
	c = newCLI(t)
	assert.Equal(t, runner.ExitFailure, c.run(t, "run", "quote", `{"item":"plum","qty":1}`))
	assert.Contains(t, c.err(), "svc run quote: no price for plum\n")
	assert.Empty(t, c.out())
	assert.Equal(t, runner.ExitFailure, c.run(t, "run", "--json", "quote", `{"item":"plum","qty":1}`))
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(c.stdout.Bytes(), &rec))
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, "no price for plum", rec.Error)
	require.Len(t, rec.Boundaries["fetchPrice"], 1)

	// Invalid input is a failed run; input that is not JSON a usage error.
	assert.Equal(t, runner.ExitFailure, c.run(t, "run", "quote", `{"item":"apple","qty":0}`))
	assert.Contains(t, c.err(), "Invalid input on: qty")
	assert.Equal(t, runner.ExitUsage, c.run(t, "run", "quote", `{item`))
	assert.Contains(t, c.err(), "the input argument is not JSON")
	assert.Equal(t, runner.ExitUsage, c.run(t, "run"))
	assert.Equal(t, runner.ExitUsage, c.run(t, "run", "quote", "1", "2"))
	assert.Equal(t, runner.ExitUsage, c.run(t, "run", "nope"))

	// No input is null.
	assert.Equal(t, runner.ExitFailure, c.run(t, "run", "greet"))
	assert.Contains(t, c.err(), "nobody to greet")
	assert.Equal(t, runner.ExitOK, c.run(t, "run", "greet", `"Ada"`))
	assert.Equal(t, "\"hello, Ada\"\n", c.out())
}

func TestSetupRunsAroundTaskCommands(t *testing.T) {
	var setups, shutdowns int
	setup := func(context.Context) (func(context.Context) error, error) {
		setups++
		return func(context.Context) error { shutdowns++; return nil }, nil
	}
	c := newCLI(t, runner.WithSetup(setup))
	require.Equal(t, runner.ExitOK, c.run(t, "list"))
	require.Equal(t, runner.ExitOK, c.run(t, "run", "--help"))
	assert.Zero(t, setups, "list and help need no setup")
	require.Equal(t, runner.ExitOK, c.run(t, "run", "greet", `"x"`))
	assert.Equal(t, 1, setups)
	assert.Equal(t, 1, shutdowns)

	// A wrong command line starts no telemetry.
	require.Equal(t, runner.ExitUsage, c.run(t, "run", "nosuchtask", `"x"`))
	require.Equal(t, runner.ExitUsage, c.run(t, "run", "greet", `{not json`))
	require.Equal(t, runner.ExitUsage, c.run(t, "replay", "greet"))
	require.Equal(t, runner.ExitUsage, c.run(t, "serve", "--shutdown-timeout", "0s"))
	assert.Equal(t, 1, setups, "usage errors run no setup")
	assert.Equal(t, 1, shutdowns)

	failing := newCLI(t, runner.WithSetup(func(context.Context) (func(context.Context) error, error) {
		return nil, errors.New("no collector")
	}))
	assert.Equal(t, runner.ExitFailure, failing.run(t, "run", "greet", `"x"`))
	assert.Contains(t, failing.err(), "svc run: setup: no collector")

	flush := newCLI(t, runner.WithSetup(func(context.Context) (func(context.Context) error, error) {
		return func(context.Context) error { return errors.New("flush failed") }, nil
	}))
	assert.Equal(t, runner.ExitFailure, flush.run(t, "run", "greet", `"x"`))
	assert.Contains(t, flush.err(), "svc run: shutdown: flush failed")
}
