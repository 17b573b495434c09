package jaegerquery

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInstrumentationDoesNotBuildIt keeps the packages a traced program
// imports free of this one: reading Jaeger is for tools and tests.
func TestInstrumentationDoesNotBuildIt(t *testing.T) {
	const self = "github.com/hivetrace/hivetrace/internal/jaegerquery"
	for _, pkg := range []string{
		"github.com/hivetrace/hivetrace/otelrecord",
		"github.com/hivetrace/hivetrace/boundary",
		"github.com/hivetrace/hivetrace/task",
	} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		require.NoError(t, err, "go list -deps %s", pkg)
		assert.NotContains(t, strings.Fields(string(out)), self, "%s builds %s", pkg, self)
	}
}
