package jaegertest

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// ConfigFunc returns the configuration (YAML) of a process that listens on
// addrs, the free "127.0.0.1:port" addresses StartProcess picked for it.
type ConfigFunc func(addrs []string) ([]byte, error)

// Process is a process of the Jaeger binary started by StartProcess with a
// configuration of the test's own. The binary is an OpenTelemetry Collector
// distribution (`jaeger components` lists its receivers, processors,
// exporters and extensions), so the configuration may make it a Collector in
// front of other back ends as well as a Jaeger laid out otherwise. Its
// methods are safe for concurrent use.
type Process struct {
	addrs []string
	proc  *child
}

// StartProcess starts the Jaeger binary BinaryPath finds with the
// configuration config returns for n free loopback addresses, waits until
// every one of them accepts TCP connections (so the configuration must
// listen on each: a Collector opens its receivers last, once its pipelines
// are built), and registers a t.Cleanup that stops the process (SIGTERM,
// then kill) and, when the test failed, logs its output. When the process
// finds an address taken, StartProcess tries again with fresh ones.
//
// When the binary is missing, StartProcess skips the test, or fails it when
// CI=true, as Start does. When config fails or the process does not serve
// (most likely a configuration the binary refuses, its output in the
// message), it fails the test: the binary is there, the configuration is
// the test's. It returns nil only when the t it was given lets it go on
// after those (a test double).
func StartProcess(t testing.TB, n int, config ConfigFunc) *Process {
	t.Helper()
	var p *Process
	failed := func(t testing.TB, err error) {
		t.Helper()
		t.Fatalf("jaegertest: start a process with the test's configuration: %v", err)
	}
	c := launch(t, "process", failed, func(bin, cfgPath string) (*child, error) {
		addrs, err := freeAddrs(n)
		if err != nil {
			return nil, err
		}
		cfg, err := config(slices.Clone(addrs))
		if err != nil {
			return nil, fmt.Errorf("jaegertest: configuration: %w", err)
		}
		proc, err := startChild(bin, cfgPath, cfg, func(ctx context.Context) bool { return acceptsAll(ctx, addrs...) })
		if err != nil {
			return nil, err
		}
		p = &Process{addrs: addrs, proc: proc}
		return proc, nil
	})
	if c == nil {
		return nil
	}
	return p
}

// Addrs returns the addresses the process was configured to listen on, in
// the order its ConfigFunc received them.
func (p *Process) Addrs() []string { return slices.Clone(p.addrs) }

// Log returns what the process has written to stdout and stderr so far (the
// last 1 MiB at most).
func (p *Process) Log() string { return p.proc.log.String() }
