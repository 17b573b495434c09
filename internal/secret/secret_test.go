package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/internal/secret"
)

const (
	hidden = "s3cr3t-v4lue-never-shown"
	key    = "hk_live_0123456789"
)

func TestMask(t *testing.T) {
	assert.Empty(t, secret.Mask(""))
	for _, s := range []string{"a", "123456789", hidden} {
		assert.Equal(t, secret.Redacted, secret.Mask(s), s)
	}
}

func TestMaskKey(t *testing.T) {
	cases := map[string]string{
		"":                     "",
		"k":                    secret.Redacted,
		"12345678":             secret.Redacted,
		"123456789":            "1234…",
		key:                    "hk_l…",
		"ключ-длинный":         "ключ…",
		"\xff\xfe\xfd\xfcabcd": secret.Redacted,
	}
	for in, want := range cases {
		assert.Equal(t, want, secret.MaskKey(in), in)
	}
}

func TestValueReveal(t *testing.T) {
	v := secret.New(hidden)
	assert.True(t, v.IsSet())
	assert.Equal(t, hidden, v.Reveal())
	assert.True(t, v.Equal(secret.New(hidden)))
	assert.False(t, v.Equal(secret.New("other")))

	for _, unset := range []secret.Value{{}, secret.New(""), secret.NewKey("")} {
		assert.False(t, unset.IsSet())
		assert.Empty(t, unset.Reveal())
		assert.Empty(t, unset.String())
		assert.True(t, unset.Equal(secret.Value{}))
	}
}

// holder has the Values in exported and unexported fields: fmt calls the
// methods of the first only.
type holder struct {
	Secret  secret.Value
	Key     secret.Value
	secret  secret.Value
	key     secret.Value
	Pointer *secret.Value
}

func newHolder() holder {
	s := secret.New(hidden)
	return holder{Secret: s, Key: secret.NewKey(key), secret: s, key: secret.NewKey(key), Pointer: &s}
}

func TestValueFormat(t *testing.T) {
	s, k := secret.New(hidden), secret.NewKey(key)
	assert.Equal(t, secret.Redacted, s.String())
	assert.Equal(t, "hk_l…", k.String())
	assert.Equal(t, `secret.Value("[redacted]")`, s.GoString())

	h := newHolder()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		for _, arg := range []any{s, &s, h, &h, []secret.Value{s}, map[string]secret.Value{"s": s}} {
			out := fmt.Sprintf(verb, arg)
			assert.NotContains(t, out, hidden, "%s of %T: %s", verb, arg, out)
			assert.NotContains(t, out, "0123456789", "%s of %T: %s", verb, arg, out)
			assert.NotContains(t, out, fmt.Sprintf("%x", hidden)[:16], "%s of %T: %s", verb, arg, out)
		}
	}
	assert.Equal(t, "[redacted] hk_l…", fmt.Sprintf("%v %s", s, k))
	assert.Equal(t, `"[redacted]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, `secret.Value("hk_l…")`, fmt.Sprintf("%#v", k))
	assert.Contains(t, fmt.Sprintf("%+v", h), "Secret:[redacted] Key:hk_l…")
	assert.Equal(t, "[re", fmt.Sprintf("%.3s", s), "flags apply to the masked text")
}

func TestValueLogAndJSON(t *testing.T) {
	h := newHolder()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("creds", "secret", h.Secret, "key", h.Key, "holder", h, "pointer", &h)
	text := slog.New(slog.NewTextHandler(&buf, nil))
	text.Info("creds", "secret", h.Secret, "holder", h, slog.Any("pointer", &h))
	out := buf.String()
	assert.NotContains(t, out, hidden)
	assert.NotContains(t, out, "0123456789")
	assert.Contains(t, out, `"secret":"[redacted]","key":"hk_l…"`)

	data, err := json.Marshal(h)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Secret":"[redacted]","Key":"hk_l…","Pointer":"[redacted]"}`, string(data))

	txt, err := secret.New(hidden).MarshalText()
	require.NoError(t, err)
	assert.Equal(t, secret.Redacted, string(txt))
}
