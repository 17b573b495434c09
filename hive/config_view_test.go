package hive

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                    "",
		"a":                   "*",
		"12345678":            "********",
		"123456789":           "1234*6789",
		"sk-live-abcdefghi":   "sk-l*********fghi",
		"ключ-секрет-длинный": "ключ" + "***********" + "нный",
	}
	for in, want := range cases {
		assert.Equal(t, want, mask(in), in)
	}
}

func TestConf(t *testing.T) {
	clearEnv(t)
	meta := map[string]string{"env": "prod"}
	c, err := NewLogClient(Config{
		ProjectName: "shop", ProjectUUID: testProject,
		APIKey: "short", APISecret: "a-much-longer-secret",
		Host: "http://127.0.0.1:9", Metadata: meta,
	})
	require.NoError(t, err)

	v := c.Conf()
	assert.Equal(t, ConfigView{
		ProjectName: "shop", ProjectUUID: testProject,
		APIKey: "*****", APISecret: "a-mu************cret",
		Host: "http://127.0.0.1:9", Metadata: map[string]string{"env": "prod"},
	}, v)

	v.Metadata["env"] = "changed"
	assert.Equal(t, "prod", c.Conf().Metadata["env"], "the view is a copy")
}
