package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// csrfField is the name of the form field carrying the token.
const csrfField = "csrf"

// csrfTokens makes and checks the tokens that bind a form to the session
// that loaded it: a cross-site page cannot read the token, so it cannot
// post the form on a visitor's behalf. Tokens are stateless (an HMAC of the
// session id), so every replica sharing the key accepts them.
type csrfTokens struct {
	key []byte
}

// token returns the token of the session id.
func (c csrfTokens) token(sessionID string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid reports whether got is the token of the session id.
func (c csrfTokens) valid(sessionID, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(c.token(sessionID)))
}
