package jaegertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryModuleIsFreeOfJaeger guards the reason the tools module exists:
// the library's go.mod and go.sum must not pull Jaeger into its users' builds.
func TestLibraryModuleIsFreeOfJaeger(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	root, err := repoRoot(wd)
	require.NoError(t, err)
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		assert.NotContains(t, string(data), "jaegertracing", "%s of the library module", f)
	}
	tools, err := os.ReadFile(filepath.Join(root, "tools", "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(tools), "tool github.com/jaegertracing/jaeger/cmd/jaeger")
	assert.Equal(t, rootModule+"/tools", modulePath(tools))
}
