package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/internal/retry"
)

// projectUUID is the Hive project the producer's records belong to.
const projectUUID = "0193b000-50a4-7000-8000-000000000001"

// harness runs the scenarios: it owns the working directory, the hive
// binary, the credentials and every child process.
type harness struct {
	s        settings
	dir      string // working directory
	hiveBin  string
	self     string // this program, re-executed as the producer
	children *children
	key      string
	secret   string
	commands []string // one example of each command run, for the report
	outage   *outageRun
}

func newHarness(s settings, dir, hiveBin, self string) *harness {
	return &harness{
		s: s, dir: dir, hiveBin: hiveBin, self: self, children: newChildren(),
		key: "soak-" + randomHex(4), secret: randomHex(16),
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// env is this process's environment without any HIVE_* or OTEL_* variable,
// plus extra ("KEY=value"): children run with the defaults unless told.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HIVE_") && !strings.HasPrefix(kv, "OTEL_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// remember keeps the first command of each kind for the report, with the
// working directory written $WORK.
func (h *harness) remember(kind, cmd string) {
	prefix := kind + ": "
	for _, c := range h.commands {
		if strings.HasPrefix(c, prefix) {
			return
		}
	}
	h.commands = append(h.commands, prefix+strings.ReplaceAll(cmd, h.dir, "$WORK"))
}

// stage is hive serve on a fresh database and, optionally, the counting
// proxy in front of it.
type stage struct {
	dir       string
	hive      *hiveServe
	proxy     *countingProxy
	proxyURL  string
	stopProxy func()
}

// newStage starts hive serve for scenario name in a directory of its own,
// with the counting proxy in front when withProxy is set.
func (h *harness) newStage(ctx context.Context, name string, withProxy bool) (*stage, error) {
	dir := filepath.Join(h.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st := &stage{dir: dir, hive: &hiveServe{
		bin: h.hiveBin, db: filepath.Join(dir, "hive.db"), log: filepath.Join(dir, "hive.log"),
		env:      env("HIVE_API_KEY="+h.key, "HIVE_API_SECRET="+h.secret),
		children: h.children,
	}}
	if err := st.hive.start(ctx); err != nil {
		return nil, err
	}
	h.remember("hive serve", fmt.Sprintf("HIVE_API_KEY=… HIVE_API_SECRET=… hive serve --addr 127.0.0.1:0 --db %s --log-level warn (restarts: --addr with the port it chose)",
		st.hive.db))
	if withProxy {
		st.proxy = newCountingProxy(st.hive.url())
		url, stop, err := serveProxy(st.proxy)
		if err != nil {
			_ = st.hive.kill()
			return nil, err
		}
		st.proxyURL, st.stopProxy = url, stop
	}
	return st, nil
}

// target is the URL the producer sends to: the proxy when there is one.
func (st *stage) target() string {
	if st.proxy != nil {
		return st.proxyURL
	}
	return st.hive.url()
}

// close stops the proxy and hive serve.
func (st *stage) close() {
	if st.stopProxy != nil {
		st.stopProxy()
	}
	_ = st.hive.stop()
}

// producer is a running `soak produce`.
type producer struct {
	out, log string
	proc     *child
	stdout   *bytes.Buffer // read only once proc has ended
}

// startProducer runs `soak produce` at rate for window, sending to target,
// with extra environment variables; its runs go to DIR/NAME.runs.
func (h *harness) startProducer(dir, name, target string, rate int, window time.Duration, extra ...string) (*producer, error) {
	p := &producer{
		out:    filepath.Join(dir, name+".runs"),
		log:    filepath.Join(dir, name+".log"),
		stdout: new(bytes.Buffer),
	}
	vars := append([]string{
		"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none",
		"HIVE_HOST=" + target, "HIVE_API_KEY=" + h.key, "HIVE_API_SECRET=" + h.secret,
		"HIVE_PROJECT_UUID=" + projectUUID, "HIVE_PROJECT_NAME=soak",
	}, extra...)
	if v := os.Getenv("HIVE_TRANSPORT"); v != "" {
		vars = append(vars, "HIVE_TRANSPORT="+v) // the producer's transport: HIVE_TRANSPORT=otlp make soak
	}
	args := []string{"produce", "-rate", strconv.Itoa(rate), "-duration", window.String(),
		"-out", p.out, "-workers", strconv.Itoa(h.s.workers)}
	logf, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(h.self, args...)
	cmd.Env = env(vars...)
	cmd.Stdout, cmd.Stderr = p.stdout, logf
	p.proc, err = h.children.start(cmd)
	_ = logf.Close() // the child has its own descriptor
	if err != nil {
		return nil, fmt.Errorf("start the producer: %w", err)
	}
	shown := make([]string, 0, len(vars))
	for _, v := range vars {
		if !strings.HasPrefix(v, "HIVE_API_") {
			shown = append(shown, v)
		}
	}
	h.remember(filepath.Base(dir)+" "+name, strings.Join(shown, " ")+" HIVE_API_KEY=… HIVE_API_SECRET=… soak "+strings.Join(args, " "))
	return p, nil
}

// finish waits up to timeout for the producer to end and returns its
// summary. A producer still running then is killed.
func (p *producer) finish(ctx context.Context, timeout time.Duration) (producerSummary, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.proc.done:
	case <-t.C:
		_ = p.proc.kill(10 * time.Second)
		return producerSummary{}, fmt.Errorf("the producer did not end within %s and was killed (log: %s)", timeout, p.log)
	case <-ctx.Done():
		_ = p.proc.kill(10 * time.Second)
		return producerSummary{}, ctx.Err()
	}
	if p.proc.err != nil {
		return producerSummary{}, fmt.Errorf("the producer failed: %v (log: %s)", p.proc.err, p.log)
	}
	var sum producerSummary
	lines := strings.Split(strings.TrimSpace(p.stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		return sum, fmt.Errorf("the producer's summary: %w", err)
	}
	return sum, nil
}

// kill ends the producer with SIGKILL.
func (p *producer) kill() error {
	return p.proc.kill(10 * time.Second)
}

// sleepUntil waits until deadline or until ctx is done.
func sleepUntil(ctx context.Context, deadline time.Time) error {
	return retry.Sleep(ctx, time.Until(deadline))
}

// missing counts the runs whose id is not in ids.
func missing[V any](runs []madeRun, ids map[string]V) int {
	n := 0
	for _, r := range runs {
		if _, ok := ids[r.id]; !ok {
			n++
		}
	}
	return n
}
