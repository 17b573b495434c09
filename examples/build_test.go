// Package examples_test checks that every example program builds.
package examples_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExamplesBuild builds every program under examples/.
func TestExamplesBuild(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	cmd := exec.CommandContext(t.Context(), goBin, "build", "-o", t.TempDir(), "./...")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./examples/...:\n%s", out)
}
