package jaegertest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func writeFile(path, content string, perm os.FileMode) error {
	return os.WriteFile(path, []byte(content), perm)
}

func mkdirAll(path string) error { return os.MkdirAll(path, 0o755) }

// writeScript writes an executable shell script standing in for the Jaeger
// binary and returns its path.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-jaeger")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil { //nolint:gosec // a test script must be executable
		t.Fatal(err)
	}
	return p
}
