package e2e_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/integration/internal/hivecmd"
	"github.com/hivetrace/hivetrace/internal/testutil"
)

// The hive command is built once per test binary, from this module, into a
// temporary directory TestMain removes.
var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// hiveBinary returns the path of the hive command, building it on first use.
func hiveBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "hivetrace-e2e-")
		if buildErr != nil {
			return
		}
		buildBin, buildErr = hivecmd.Build(context.Background(), buildDir, raceEnabled)
	})
	require.NoError(t, buildErr, "build the hive command")
	return buildBin
}

func cleanupBinaries() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// hiveEnv is the environment the hive command runs with: this process's,
// without any HIVE_* variable, plus extra ("KEY=value").
func hiveEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HIVE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runHive runs the hive command to completion and returns its exit code,
// stdout and stderr.
func runHive(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runProgram(t, env, hiveBinary(t), args...)
}

// runProgram runs bin to completion and returns its exit code, stdout and
// stderr.
func runProgram(t *testing.T, env []string, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(t, ok, "run %s %v: %v", filepath.Base(bin), args, err)
		code = exitErr.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// hiveServe is a "hive serve" process.
type hiveServe struct {
	URL    string // http://127.0.0.1:port
	Addr   string // 127.0.0.1:port
	DB     string
	cmd    *exec.Cmd
	output *testutil.LockedBuffer
	done   chan error
}

var servingLine = regexp.MustCompile(`serving the Hive API on (http://(127\.0\.0\.1:\d+))`)

// startHiveServe runs "hive serve --addr addr --db db" and the extra flags
// (--assembly-wait, ...) with the test credentials and waits until it prints
// the URL it serves on. The process is stopped (SIGTERM) when the test ends,
// if it is still running.
func startHiveServe(t *testing.T, addr, db string, flags ...string) *hiveServe {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--db", db, "--log-level", "warn"}, flags...)
	cmd := exec.Command(hiveBinary(t), args...)
	cmd.Env = hiveEnv(hiveKeyEnv, hiveSecretEnv)
	pr, pw := io.Pipe()
	s := &hiveServe{DB: db, cmd: cmd, output: &testutil.LockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout = pw
	cmd.Stderr = s.output
	require.NoError(t, cmd.Start())
	go func() {
		err := cmd.Wait()
		_ = pw.Close()
		s.done <- err
	}()
	lines := bufio.NewReader(pr)
	line, err := lines.ReadString('\n')
	go func() { _, _ = io.Copy(s.output, lines) }()
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("hive serve ended before serving: %v; output: %s", err, s.output)
	}
	m := servingLine.FindStringSubmatch(line)
	if m == nil {
		_ = cmd.Process.Kill()
		t.Fatalf("hive serve printed %q, not the URL", line)
	}
	s.URL, s.Addr = m[1], m[2]
	t.Cleanup(func() {
		if s.cmd != nil {
			s.stop(t)
		}
	})
	return s
}

// stop sends SIGTERM and waits for a graceful exit (status 0).
func (s *hiveServe) stop(t *testing.T) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.done:
		require.NoError(t, err, "hive serve exits cleanly on SIGTERM; output: %s", s.output)
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("hive serve did not stop on SIGTERM; output: %s", s.output)
	}
	s.cmd = nil
}

// kill ends hive serve with SIGKILL, as a crash would, and waits for it.
func (s *hiveServe) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Kill())
	<-s.done
	s.cmd = nil
}
