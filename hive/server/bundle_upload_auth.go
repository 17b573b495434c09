package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// uploadURLLifetime is how long a bundle upload URL answered by a publish
// stays valid.
const uploadURLLifetime = time.Hour

// Query parameters of a signed bundle upload URL.
const (
	uploadExpiresParam   = "expires"
	uploadSignatureParam = "signature"
)

// signUploadPath returns the query that authorizes a PUT of path until
// uploadURLLifetime from now: what a publish answers, since Forge Hive's
// CLI uploads the bundle to the URL it is given without credentials, as to
// a presigned storage URL. Empty when the server has no credentials (it
// then accepts every request).
func (s *Server) signUploadPath(path string) string {
	key := s.uploadKey()
	if key == nil {
		return ""
	}
	expires := strconv.FormatInt(s.cfg.clock().Add(uploadURLLifetime).Unix(), 10)
	return uploadExpiresParam + "=" + expires + "&" + uploadSignatureParam + "=" + uploadSignature(key, path, expires)
}

// signedUpload reports whether r is a bundle upload
// (PUT /api/projects/{projectUuid}/tasks/{taskUuid}/bundle) carrying a valid,
// unexpired signature of its path from signUploadPath. Such a request needs
// no Authorization header.
func (s *Server) signedUpload(r *http.Request) bool {
	if r.Method != http.MethodPut || !strings.HasPrefix(r.URL.Path, "/api/projects/") || !strings.HasSuffix(r.URL.Path, "/bundle") {
		return false
	}
	key := s.uploadKey()
	q := r.URL.Query()
	expires, sig := q.Get(uploadExpiresParam), q.Get(uploadSignatureParam)
	if key == nil || expires == "" || sig == "" {
		return false
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || s.cfg.clock().Unix() > at {
		return false
	}
	want := uploadSignature(key, r.URL.EscapedPath(), expires)
	return hmac.Equal([]byte(sig), []byte(want))
}

// uploadKey is the key upload URLs are signed with, derived from the API
// secret; nil without credentials.
func (s *Server) uploadKey() []byte {
	if !s.cfg.apiSecret.IsSet() {
		return nil
	}
	sum := sha256.Sum256([]byte("hivetrace bundle upload\x00" + s.cfg.apiSecret.Reveal()))
	return sum[:]
}

// uploadSignature signs a PUT of the escaped path until expires.
func uploadSignature(key []byte, path, expires string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("PUT\n" + path + "\n" + expires))
	return hex.EncodeToString(m.Sum(nil))
}
