package boundary

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModeStringAndParse(t *testing.T) {
	for m, name := range map[Mode]string{Proxy: "proxy", ProxyPass: "proxy-pass", ProxyCatch: "proxy-catch", Replay: "replay"} {
		assert.Equal(t, name, m.String())
		assert.True(t, m.Valid())
		p, err := ParseMode(name)
		require.NoError(t, err)
		assert.Equal(t, m, p)
	}
	var zero Mode
	assert.Equal(t, Proxy, zero, "the zero value is the safe default")
	assert.Equal(t, "Mode(9)", Mode(9).String())
	assert.False(t, Mode(-1).Valid())
}

func TestModeInvalid(t *testing.T) {
	_, err := ParseMode("record")
	require.ErrorIs(t, err, ErrInvalidMode)
	assert.Contains(t, err.Error(), `"record"`)

	_, err = Mode(7).MarshalText()
	require.ErrorIs(t, err, ErrInvalidMode)

	m := Replay
	require.ErrorIs(t, m.UnmarshalText([]byte("nope")), ErrInvalidMode)
	assert.Equal(t, Replay, m, "unchanged on error")
}

func TestModeJSON(t *testing.T) {
	in := map[string]Mode{"a": ProxyCatch, "b": Replay}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"proxy-catch","b":"replay"}`, string(b))

	var out map[string]Mode
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	var bad struct{ M Mode }
	err = json.Unmarshal([]byte(`{"M":"fast"}`), &bad)
	assert.True(t, errors.Is(err, ErrInvalidMode))
}
