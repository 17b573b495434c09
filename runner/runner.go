package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Exit statuses of Run.
const (
	// ExitOK is a command that did what it was asked.
	ExitOK = 0
	// ExitFailure is a command that failed: a run's error, a replay whose
	// outcome differs from the recorded one, a record that could not be
	// read.
	ExitFailure = 1
	// ExitUsage is a command line that cannot be run as given.
	ExitUsage = 2
)

// ErrDuplicateTask is wrapped by the error Register returns for a task
// whose name is registered already.
var ErrDuplicateTask = errors.New("runner: task registered twice")

// Runner holds a service's tasks and runs the commands on them. It is safe
// for concurrent use; Register is meant for start-up.
type Runner struct {
	cfg config

	mu    sync.RWMutex
	tasks map[string]Task
	names []string // in registration order
}

// New returns a runner without tasks.
//
// Defaults: the program name is the base name of os.Args[0]; commands read
// os.Stdin and write to os.Stdout and os.Stderr; no setup; the Hive client
// configured by the HIVE_* environment alone; Jaeger's query API at
// HIVE_JAEGER_URL, else DefaultJaegerURL, read with a DefaultRequestTimeout
// client; serve on DefaultAddr with no drain delay and a
// DefaultShutdownTimeout graceful shutdown, no extra routes, no middleware, ready while serving; no
// default command.
func New(opts ...Option) *Runner {
	return &Runner{cfg: newConfig(opts), tasks: make(map[string]Task)}
}

// Register adds tasks. A nil task, a task without a name and a name
// registered already are errors (ErrDuplicateTask); the other tasks are
// still added.
func (r *Runner) Register(tasks ...Task) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for i, t := range tasks {
		name, ok := safeName(t)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("runner: task %d of %d is nil", i+1, len(tasks)))
		case name == "":
			errs = append(errs, fmt.Errorf("runner: task %d of %d has no name", i+1, len(tasks)))
		case r.tasks[name] != nil:
			errs = append(errs, fmt.Errorf("%w: %q", ErrDuplicateTask, name))
		default:
			r.tasks[name] = t
			r.names = append(r.names, name)
		}
	}
	return errors.Join(errs...)
}

// safeName returns t's name; ok is false for a nil t, or a nil pointer
// whose Name panics.
func safeName(t Task) (name string, ok bool) {
	if t == nil {
		return "", false
	}
	defer func() {
		if recover() != nil {
			name, ok = "", false
		}
	}()
	return t.Name(), true
}

// sortedTasks returns the registered tasks, sorted by name.
func (r *Runner) sortedTasks() []Task {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := slices.Sorted(slices.Values(r.names))
	out := make([]Task, len(names))
	for i, n := range names {
		out[i] = r.tasks[n]
	}
	return out
}

// lookup returns the task named name, or a usage error naming the known
// tasks.
func (r *Runner) lookup(name string) (Task, error) {
	r.mu.RLock()
	t := r.tasks[name]
	known := slices.Sorted(slices.Values(r.names))
	r.mu.RUnlock()
	if t == nil {
		return nil, usageErrorf("unknown task %q (known: %s)", name, strings.Join(known, ", "))
	}
	return t, nil
}

// Main runs the command line os.Args names with a context cancelled on
// SIGINT and SIGTERM, and exits with its status (see Run).
func Main(r *Runner) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := r.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// command is one of the runner's commands.
type command struct {
	name, summary string
	run           func(r *Runner, ctx context.Context, args []string, start starter) error
	// setup says whether the command runs tasks, after the SetupFunc.
	setup bool
}

// starter runs the SetupFunc of a command that runs tasks, once; a command
// calls it once its command line is checked, right before the work that
// needs the service's telemetry, so a usage error starts nothing.
type starter func(context.Context) error

var commands = []command{
	{"list", "list the tasks, their boundaries and descriptions", (*Runner).cmdList, false},
	{"describe", "show a task's input schema and boundaries", (*Runner).cmdDescribe, false},
	{"run", "run a task once with a JSON input", (*Runner).cmdRun, true},
	{"replay", "replay a recorded run and compare the outcomes", (*Runner).cmdReplay, true},
	{"serve", "serve every task over HTTP, with health and readiness endpoints", (*Runner).cmdServe, true},
}

// Run runs the command args name (args without the program name) and
// returns its exit status: ExitOK, ExitFailure or ExitUsage. It writes to
// the configured stdout and stderr and never exits the process, so an
// existing command line can mount the runner as one of its commands.
func (r *Runner) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		if r.cfg.defaultCommand == "" {
			r.usage(r.cfg.stderr)
			return ExitUsage
		}
		args = append([]string{r.cfg.defaultCommand}, args...)
	}
	name := args[0]
	if isHelp(name) || name == "help" {
		r.usage(r.cfg.stdout)
		return ExitOK
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(r.cfg.stderr, "%s: unknown command %q\n", r.cfg.name, name)
		r.usage(r.cfg.stderr)
		return ExitUsage
	}
	return r.exec(ctx, commands[i], args[1:])
}

// exec runs c, giving it the starter of the setup when c runs tasks, and
// turns its error into an exit status. The setup's shutdown runs when c
// returns.
func (r *Runner) exec(ctx context.Context, c command, args []string) (code int) {
	var shutdown func(context.Context) error
	started := false
	start := func(ctx context.Context) error {
		if started || !c.setup || r.cfg.setup == nil {
			return nil
		}
		started = true
		var err error
		if shutdown, err = r.cfg.setup(ctx); err != nil {
			shutdown = nil
			return fmt.Errorf("setup: %w", err)
		}
		return nil
	}
	defer func() {
		if shutdown == nil {
			return
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.shutdownTimeout)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			fmt.Fprintf(r.cfg.stderr, "%s %s: shutdown: %v\n", r.cfg.name, c.name, err)
			if code == ExitOK {
				code = ExitFailure
			}
		}
	}()
	err := c.run(r, ctx, args, start)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(r.cfg.stderr, "%s %s: %v\n", r.cfg.name, c.name, err)
		fmt.Fprintf(r.cfg.stderr, "Run '%s %s --help' for usage.\n", r.cfg.name, c.name)
		return ExitUsage
	case errors.Is(err, errReported):
		return ExitFailure
	default:
		fmt.Fprintf(r.cfg.stderr, "%s %s: %v\n", r.cfg.name, c.name, err)
		return ExitFailure
	}
}

// usage writes the list of commands.
func (r *Runner) usage(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s COMMAND [flags] [arguments]\n\nCommands:\n", r.cfg.name)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for a command's flags. Every command takes --json.\n", r.cfg.name)
	if r.cfg.defaultCommand != "" {
		fmt.Fprintf(&b, "Without a command, %s runs '%s'.\n", r.cfg.name, r.cfg.defaultCommand)
	}
	_, _ = io.WriteString(w, b.String())
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }
