package jaegertest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// EnvBinary names the environment variable that overrides where the Jaeger
// binary is. The Makefile sets it to the binary `make jaeger` builds.
const EnvBinary = "HIVETRACE_JAEGER_BIN"

// rootModule is the module path of the repository whose .cache/bin holds
// the binary by default.
const rootModule = "github.com/hivetrace/hivetrace"

// ErrBinaryNotFound is returned by BinaryPath when there is no Jaeger binary
// where it looked.
var ErrBinaryNotFound = errors.New("jaegertest: jaeger binary not found")

// BinaryPath returns the Jaeger binary to run: the file named by
// HIVETRACE_JAEGER_BIN when that is set, otherwise <repo root>/.cache/bin/jaeger,
// where the repo root is the nearest directory, from the working directory
// up, whose go.mod declares module github.com/hivetrace/hivetrace. The error
// wraps ErrBinaryNotFound when the file does not exist.
func BinaryPath() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		return checkBinary(p, EnvBinary+"="+p)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("jaegertest: working directory: %w", err)
	}
	root, err := repoRoot(wd)
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".cache", "bin", "jaeger")
	return checkBinary(p, p)
}

// checkBinary reports whether p is a regular executable file.
func checkBinary(p, from string) (string, error) {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%w at %s (build it with `make jaeger`)", ErrBinaryNotFound, from)
	case err != nil:
		return "", fmt.Errorf("jaegertest: jaeger binary %s: %w", from, err)
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("jaegertest: jaeger binary %s is not an executable file", from)
	}
	return p, nil
}

// repoRoot walks up from dir to the directory whose go.mod declares the
// module rootModule.
func repoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("jaegertest: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == rootModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod of module %s above the working directory", ErrBinaryNotFound, rootModule)
		}
		dir = parent
	}
}

// modulePath returns the path on the module line of a go.mod file, or "" when
// it has none. It reads just enough of the go.mod syntax for that: the first
// line whose first word is "module", with an optional quoted path and an
// optional trailing // comment.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	sc.Buffer(make([]byte, 0, 4096), len(gomod)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		rest, _, _ = strings.Cut(rest, "//")
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
			unq, err := strconv.Unquote(rest)
			if err != nil {
				return ""
			}
			return unq
		}
		if strings.ContainsAny(rest, " \t") {
			return ""
		}
		return rest
	}
	return ""
}
