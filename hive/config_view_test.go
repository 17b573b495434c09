package hive

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConf(t *testing.T) {
	clearEnv(t)
	meta := map[string]string{"env": "prod"}
	c, err := NewLogClient(Config{
		ProjectName: "shop", ProjectUUID: testProject,
		APIKey: "hk_live_0123456789", APISecret: "a-much-longer-secret",
		Host: "http://127.0.0.1:9", Metadata: meta,
	})
	require.NoError(t, err)

	v := c.Conf()
	assert.Equal(t, ConfigView{
		ProjectName: "shop", ProjectUUID: testProject,
		APIKey: "hk_l…", APISecret: "[redacted]",
		Host: "http://127.0.0.1:9", Metadata: map[string]string{"env": "prod"},
	}, v)

	v.Metadata["env"] = "changed"
	assert.Equal(t, "prod", c.Conf().Metadata["env"], "the view is a copy")
}

func TestConfMasksCredentials(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		name, key, secret string
		wantKey, wantSec  string
	}{
		{"nine-character secret", "123456789", "abcdefghi", "1234…", "[redacted]"},
		{"short key shows nothing", "12345678", "s", "[redacted]", "[redacted]"},
		{"one-character values", "k", "x", "[redacted]", "[redacted]"},
		{"multibyte key", "ключ-длинный", "секрет-длинный", "ключ…", "[redacted]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, err := NewLogClient(Config{APIKey: c.key, APISecret: c.secret, Host: "http://127.0.0.1:9"})
			require.NoError(t, err)
			v := client.Conf()
			assert.Equal(t, c.wantKey, v.APIKey)
			assert.Equal(t, c.wantSec, v.APISecret)
		})
	}

	client, err := NewLogClient(Config{Host: "http://127.0.0.1:9"})
	require.NoError(t, err)
	v := client.Conf()
	assert.Empty(t, v.APIKey, "an unset key stays empty")
	assert.Empty(t, v.APISecret, "an unset secret stays empty")
	assert.True(t, v.Silent)
}

func TestConfigViewPrintsMasked(t *testing.T) {
	clearEnv(t)
	const key, sec = "hk_live_0123456789", "abcdefghi"
	client, err := NewLogClient(Config{APIKey: key, APISecret: sec, Host: "http://127.0.0.1:9"})
	require.NoError(t, err)
	v := client.Conf()

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("conf", "conf", v)
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		buf.WriteString(fmt.Sprintf(verb, v))
		buf.WriteString(fmt.Sprintf(verb, &v))
	}
	out := buf.String()
	assert.NotContains(t, out, "0123456789")
	assert.NotContains(t, out, "bcdefgh")
	assert.Contains(t, out, "hk_l…")
	assert.Contains(t, out, "[redacted]")
}
