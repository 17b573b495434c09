package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/hivetrace/hivetrace/integration/internal/hivecmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program: the producer mode, or the harness.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "produce" {
		if err := produce(ctx, args[1:]); err != nil {
			fmt.Fprintln(stderr, "soak produce:", err)
			return 1
		}
		return 0
	}
	s, err := parseSettings(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 2
	}
	missed, err := soak(ctx, s, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "soak:", err)
		return 1
	}
	if missed > 0 {
		return 1
	}
	return 0
}

// scenario is one named scenario of the harness.
type scenario struct {
	name string
	run  func(*harness, context.Context, *report) error
}

var scenarios = []scenario{
	{"outage", (*harness).outageScenario},
	{"outage-otlp", (*harness).outageOTLPScenario},
	{"spool", (*harness).spoolScenario},
	{"throughput", (*harness).throughputScenario},
	{"latency", (*harness).latencyScenario},
	{"ingest", (*harness).ingestScenario},
	{"contention", (*harness).contentionScenario},
	{"memory", (*harness).memoryScenario},
	{"ingest-pg", (*harness).ingestPGScenario},
	{"contention-pg", (*harness).contentionPGScenario},
}

// soak runs the chosen scenarios and prints the report; it returns the
// number of figures that missed.
func soak(ctx context.Context, s settings, stdout, stderr io.Writer) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "hivetrace-soak-")
	if err != nil {
		return 0, err
	}
	if s.keep {
		fmt.Fprintln(stderr, "soak: working directory", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := s.hiveBin
	if bin == "" {
		fmt.Fprintln(stderr, "soak: building the hive command")
		if bin, err = hivecmd.Build(ctx, dir, false); err != nil {
			return 0, err
		}
	}
	h := newHarness(s, dir, bin, self)
	defer h.children.killAll()

	loadStart := loadAverage()
	rep := &report{}
	began := time.Now()
	for _, sc := range scenarios {
		if !s.runs(sc.name) {
			continue
		}
		fmt.Fprintf(stderr, "soak: %s (%s in)\n", sc.name, time.Since(began).Round(time.Second))
		if err := sc.run(h, ctx, rep); err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("interrupted during %s: %w", sc.name, ctx.Err())
			}
			rep.failed(sc.name, "-", err)
		}
		h.children.killAll() // nothing of a scenario outlives it
	}

	fmt.Fprintf(stdout, "hivetrace soak: %s, %d CPUs (GOMAXPROCS %d), %s/%s; %s\n",
		runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, mode(s))
	fmt.Fprintln(stdout)
	rep.write(stdout)
	writeMachine(stdout, h, loadStart, loadAverage(), time.Since(began))
	return rep.misses(), nil
}

func mode(s settings) string {
	if s.quick {
		return "-quick: short outages and lower rates, NOT the reference figures"
	}
	return "reference loads"
}

// writeMachine prints the machine's load and the commands the soak ran.
func writeMachine(w io.Writer, h *harness, before, after string, took time.Duration) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Machine and commands")
	fmt.Fprintf(w, "  %d cores; producer, hive serve and this harness (proxy included) share them\n", runtime.NumCPU())
	fmt.Fprintf(w, "  load average (1, 5, 15 min): %s before, %s after; %s in all\n", before, after, took.Round(time.Second))
	fmt.Fprintf(w, "  $WORK is a temporary directory (-keep keeps it)\n")
	for _, c := range h.commands {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
