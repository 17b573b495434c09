package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeBundleFlags(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret),
		"--public-url", "https://hive.example.test/", "--max-bundle-bytes", "8")
	do := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testKey+":"+testSecret)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, data
	}
	code, body := do(http.MethodPost, "/api/projects/"+projectUUID+"/tasks/t-1/publish", []byte(`{"taskName":"alpha","handler":"alpha","sourceCode":"x"}`))
	require.Equal(t, http.StatusOK, code, "%s", body)
	var pub struct {
		BundleUploadURL string `json:"bundleUploadUrl"`
	}
	require.NoError(t, json.Unmarshal(body, &pub))
	assert.True(t, strings.HasPrefix(pub.BundleUploadURL, "https://hive.example.test/api/projects/"+projectUUID+"/tasks/t-1/bundle?expires="), pub.BundleUploadURL)

	code, body = do(http.MethodPut, "/api/projects/"+projectUUID+"/tasks/t-1/bundle", []byte("123456789"))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, "%s", body)
	code, body = do(http.MethodPut, "/api/projects/"+projectUUID+"/tasks/t-1/bundle", []byte("12345678"))
	assert.Equal(t, http.StatusOK, code, "%s", body)
}

func TestServeBundleFlagErrors(t *testing.T) {
	clearEnv(t)
	for _, args := range [][]string{
		{"--public-url", "hive.example.test"},
		{"--public-url", "ftp://hive.example.test"},
		{"--public-url", "https://hive.example.test/?x=1"},
		{"--max-bundle-bytes", "0"},
	} {
		code, _, stderr := runCmd(t, append([]string{"serve", "--insecure-no-auth", "--addr", "127.0.0.1:0"}, args...)...)
		assert.Equal(t, exitUsage, code, "%q: %s", args, stderr)
	}
}
