package depcheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Budgets of a program that imports only package task.
const (
	maxNonStdPackages = 60
	maxModules        = 45
)

// forbidden are the import path prefixes no such program may build.
var forbidden = []string{
	"go.opentelemetry.io/otel/sdk",
	"google.golang.org/protobuf",
	"google.golang.org/grpc",
	"go.opentelemetry.io/proto",
	"modernc.org/sqlite",
	"github.com/jackc/pgx",
}

const program = `package main

import (
	"context"
	"fmt"

	"github.com/hivetrace/hivetrace/task"
)

func main() {
	hello := task.New("hello", func(_ context.Context, in string) (string, error) { return "hello, " + in, nil })
	fmt.Println(hello.Run(context.Background(), "world"))
}
`

// TestTaskProgramDependsOnTheAPIOnly builds the dependency list of a
// program importing only task, in a module of its own that requires this
// one through a replace directive, with the module proxy off.
func TestTaskProgramDependsOnTheAPIOnly(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/hello\n\ngo 1.26.0\n\n" +
		"require github.com/hivetrace/hivetrace v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/hivetrace/hivetrace => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o644))

	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOSUMDB=off")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "go %s: %s", strings.Join(args, " "), stderr.String())
		return string(out)
	}
	goCmd("mod", "tidy")
	pkgs := lines(goCmd("list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "."))
	mods := lines(goCmd("list", "-m", "all"))

	for _, p := range pkgs {
		for _, f := range forbidden {
			assert.False(t, p == f || strings.HasPrefix(p, f+"/"), "a program importing task builds %s", p)
		}
	}
	t.Logf("a program importing task: %d non-standard packages (budget %d), %d modules (budget %d)",
		len(pkgs), maxNonStdPackages, len(mods), maxModules)
	assert.LessOrEqual(t, len(pkgs), maxNonStdPackages, "non-standard packages:\n%s", strings.Join(pkgs, "\n"))
	assert.LessOrEqual(t, len(mods), maxModules, "modules:\n%s", strings.Join(mods, "\n"))
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
