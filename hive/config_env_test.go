package hive

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLogClientProjectEnvFallbacks(t *testing.T) {
	clearEnv(t)
	forge := writeForge(t, `{"project":{"name":"from-file","uuid":"file-uuid"},"tasks":{"t":{"uuid":"t-uuid"}}}`)

	t.Run("forge path from the environment", func(t *testing.T) {
		t.Setenv(EnvForgePath, forge)
		c, err := NewLogClient(Config{})
		require.NoError(t, err)
		conf := c.Conf()
		assert.Equal(t, forge, conf.ForgePath)
		assert.Equal(t, "from-file", conf.ProjectName)
		assert.Equal(t, "file-uuid", conf.ProjectUUID)
		require.NotNil(t, c.Forge())
		assert.Equal(t, "t-uuid", c.Forge().TaskUUID("t"))
	})

	t.Run("project variables win over the file", func(t *testing.T) {
		t.Setenv(EnvForgePath, forge)
		t.Setenv(EnvProjectName, "from-env")
		t.Setenv(EnvProjectUUID, "env-uuid")
		c, err := NewLogClient(Config{})
		require.NoError(t, err)
		assert.Equal(t, "from-env", c.Conf().ProjectName)
		assert.Equal(t, "env-uuid", c.Conf().ProjectUUID)
	})

	t.Run("config wins over the environment", func(t *testing.T) {
		t.Setenv(EnvForgePath, "/nonexistent/forge.json")
		t.Setenv(EnvProjectName, "from-env")
		t.Setenv(EnvProjectUUID, "env-uuid")
		c, err := NewLogClient(Config{ProjectName: "cfg", ProjectUUID: "cfg-uuid", ForgePath: forge})
		require.NoError(t, err)
		assert.Equal(t, "cfg", c.Conf().ProjectName)
		assert.Equal(t, "cfg-uuid", c.Conf().ProjectUUID)
		assert.Equal(t, forge, c.Conf().ForgePath)
	})

	t.Run("a missing forge file from the environment is an error", func(t *testing.T) {
		t.Setenv(EnvForgePath, "/nonexistent/forge.json")
		_, err := NewLogClient(Config{})
		require.ErrorIs(t, err, ErrInvalidForge)
	})
}
