package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "hive_ui_session"

// sessionVersion prefixes every cookie value, so the format can change.
const sessionVersion = "v1"

// Labels the keys of the UI are derived under, from the base key.
const (
	sessionKeyLabel = "hivetrace ui session key v1" // the base key, from the API secret
	cookieKeyLabel  = "hivetrace ui cookie signature v1"
	csrfKeyLabel    = "hivetrace ui csrf token v1"
)

// sessions issues and checks stateless, signed session cookies. Its value
// is "v1.<expiry in Unix seconds>.<id>.<signature>", the signature an
// HMAC-SHA256 of what precedes it. It is safe for concurrent use.
type sessions struct {
	key    []byte // signs cookies
	ttl    time.Duration
	now    func() time.Time
	secure bool // Secure on every cookie, not only over TLS
}

// deriveKey returns HMAC-SHA256 of label keyed by key.
func deriveKey(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// randomKey returns 32 random bytes.
func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// issue returns a new session's cookie value, its id and its expiry.
func (s *sessions) issue() (value, id string, expires time.Time) {
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	id = base64.RawURLEncoding.EncodeToString(raw)
	expires = s.now().Add(s.ttl).Truncate(time.Second)
	payload := sessionVersion + "." + strconv.FormatInt(expires.Unix(), 10) + "." + id
	return payload + "." + s.sign(payload), id, expires
}

// sign returns the signature of payload.
func (s *sessions) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify returns the id of the session a cookie value names, and whether
// the value is one this key signed and has not expired.
func (s *sessions) verify(value string) (id string, ok bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	payload, sig := value[:i], value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return "", false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != sessionVersion || parts[2] == "" {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return "", false
	}
	return parts[2], true
}

// fromRequest returns the id of the session r's cookie names, if valid.
func (s *sessions) fromRequest(r *http.Request) (id string, ok bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return "", false
	}
	return s.verify(c.Value)
}

// cookie returns the session cookie carrying value, valid until expires;
// an empty value and zero time clear it.
func (s *sessions) cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     uiPrefix,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   s.secure || r.TLS != nil,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(expires.Sub(s.now()).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = int(s.ttl.Seconds())
		}
	}
	return c
}
