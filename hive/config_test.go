package hive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fmtKey    = "hk_live_0123456789"
	fmtSecret = "abcdefghi"
)

func maskedConfig() Config {
	return Config{
		ProjectName: "shop", ProjectUUID: testProject, APIKey: fmtKey, APISecret: fmtSecret,
		Host: "http://127.0.0.1:9", Metadata: map[string]string{"env": "prod"},
		HTTPClient: &http.Client{}, Logger: slog.New(slog.DiscardHandler),
	}
}

// assertMasked requires out to show neither credential, only their masks.
func assertMasked(t *testing.T, out string) {
	t.Helper()
	assert.NotContains(t, out, "0123456789", out)
	assert.NotContains(t, out, "bcdefgh", out)
	assert.Contains(t, out, "hk_l…", out)
	assert.Contains(t, out, "[redacted]", out)
}

func TestConfigFormatMasks(t *testing.T) {
	cfg := maskedConfig()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assertMasked(t, fmt.Sprintf(verb, cfg))
		assertMasked(t, fmt.Sprintf(verb, &cfg))
		assertMasked(t, fmt.Sprintf(verb, []Config{cfg}))
		assertMasked(t, fmt.Sprintf(verb, struct{ Cfg Config }{cfg}))
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "ProjectName:shop")
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "APIKey:hk_l… APISecret:[redacted] Host:http://127.0.0.1:9")
	gs := fmt.Sprintf("%#v", cfg)
	assert.Regexp(t, `^hive\.Config\{ProjectName:"shop"`, gs)
	assert.Contains(t, gs, `APIKey:"hk_l…", APISecret:"[redacted]"`)

	assert.Equal(t, fmtKey, cfg.APIKey, "formatting leaves the fields as they are")
	assert.Equal(t, fmtSecret, cfg.APISecret)

	unset := fmt.Sprintf("%+v", Config{Host: "h"})
	assert.Contains(t, unset, "APIKey: APISecret: Host:h", "unset credentials print empty")
}

func TestConfigLogValueMasks(t *testing.T) {
	cfg := maskedConfig()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
	assertMasked(t, buf.String())

	var entry struct {
		Cfg map[string]any `json:"cfg"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &entry))
	assert.Equal(t, map[string]any{
		"ProjectName": "shop", "ProjectUUID": testProject, "APIKey": "hk_l…", "APISecret": "[redacted]",
		"Host": "http://127.0.0.1:9", "Metadata": map[string]any{"env": "prod"}, "ForgePath": "",
	}, entry.Cfg)

	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", &cfg)
	assertMasked(t, buf.String())
	assert.Contains(t, buf.String(), "cfg.APISecret=[redacted]")
}
