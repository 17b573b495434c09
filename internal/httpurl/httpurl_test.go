package httpurl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:16686",
		"https://hive.example.com/",
		"HTTPS://hive.example.com/base?x=1#frag",
		"http://[::1]:8080/invoke",
	} {
		u, err := Parse(raw)
		require.NoError(t, err, raw)
		assert.Contains(t, []string{"http", "https"}, u.Scheme, raw)
	}
	for _, raw := range []string{
		"",
		"ftp://x",
		"127.0.0.1:16686",
		"/api/me",
		"http://",
		"http:///path",
		"mailto:a@example.com",
		" http://x",
		"http://[::1",
		"http://x/%zz",
	} {
		u, err := Parse(raw)
		require.ErrorIs(t, err, ErrInvalid, "%q", raw)
		assert.Nil(t, u)
	}
	_, err := Parse("ftp://x")
	assert.EqualError(t, err, `invalid URL: "ftp://x" is not an absolute http or https URL`)
}

func TestBase(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:16686":         "http://127.0.0.1:16686",
		"http://127.0.0.1:16686/":        "http://127.0.0.1:16686",
		"https://hive.example.com/api//": "https://hive.example.com/api",
		"  https://hive.example.com \n":  "https://hive.example.com",
		"HTTP://Hive.Example.com/":       "http://Hive.Example.com",
		"http://user:pw@hive:8080/":      "http://user:pw@hive:8080",
		"http://hive#":                   "http://hive",
	} {
		got, err := Base(raw)
		require.NoError(t, err, "%q", raw)
		assert.Equal(t, want, got, "%q", raw)
	}
	for _, raw := range []string{
		"",
		"ftp://x",
		"hive.example.com",
		"http://hive/?a=1",
		"http://hive/#top",
		"http://hive?",
	} {
		got, err := Base(raw)
		require.ErrorIs(t, err, ErrInvalid, "%q", raw)
		assert.Empty(t, got)
	}
	_, err := Base("http://hive/?a=1")
	assert.EqualError(t, err, `invalid URL: "http://hive/?a=1" must not carry a query or fragment`)
}
