package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConfigPrintsNoCredentials(t *testing.T) {
	const key, sec = "hk_live_0123456789", "abcdefghi"
	srv := New(NewMemoryStore(), WithCredentials(key, sec), WithLogger(slog.New(slog.DiscardHandler)))
	var buf bytes.Buffer
	for _, v := range []any{srv.cfg, &srv.cfg, srv, srv.throttle} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			buf.WriteString(fmt.Sprintf(verb, v) + "\n")
		}
	}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", srv.cfg, "key", srv.cfg.apiKey, "secret", srv.cfg.apiSecret)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", srv.cfg)
	out := buf.String()
	assert.NotContains(t, out, "0123456789")
	assert.NotContains(t, out, "bcdefgh")
	assert.NotContains(t, out, fmt.Sprintf("%x", sec))
	assert.Contains(t, out, `"key":"hk_l…","secret":"[redacted]"`)
	assert.Equal(t, key, srv.cfg.apiKey.Reveal())
}
