package otelrecord

import (
	"bytes"
	"encoding/json"
	"slices"
)

// RedactedValue is what a redacted value becomes: the JSON string
// "[REDACTED]". It replaces the value of a sensitive object member, and a
// whole payload when payloads are not captured (RedactPolicy.OmitPayloads).
const RedactedValue = "[REDACTED]"

// redactedJSON is RedactedValue as JSON text. Redact hands it out shared,
// with its capacity capped: it is never modified.
var redactedJSON = []byte(`"` + RedactedValue + `"`)

// defaultRedactKeys are the object keys whose values are redacted by default,
// written as people write them; they match by the rule of Redactor.
var defaultRedactKeys = []string{
	"password", "passwd", "pwd", "passphrase",
	"secret", "client_secret", "secret_key", "secret_access_key", "private_key",
	"token", "access_token", "refresh_token", "id_token", "auth_token",
	"session_token", "csrf_token", "xsrf_token",
	"authorization", "proxy_authorization",
	"api_key", "x_api_key",
	"cookie", "set_cookie", "session", "session_id",
	"credential", "credentials",
}

// DefaultRedactKeys returns the object keys whose values every Redactor
// redacts: password, passwd, pwd, passphrase, secret, client_secret,
// secret_key, secret_access_key, private_key, token, access_token,
// refresh_token, id_token, auth_token, session_token, csrf_token, xsrf_token,
// authorization, proxy_authorization, api_key, x_api_key, cookie,
// set_cookie, session, session_id, credential and credentials. They match
// ignoring ASCII case and the separators '-' and '_' (see Redactor). The
// result is a fresh slice.
func DefaultRedactKeys() []string { return slices.Clone(defaultRedactKeys) }

// RedactFunc is a custom redaction rule, called for each member of each
// object of a payload whose key is not on the redactor's list.
//
// path leads to the object holding the member, from the payload's root: the
// key of each enclosing object member and, for each enclosing array, the
// element's index in decimal (a boundary call's input is the array of its
// arguments, so a member of its first argument has a path starting with
// "0", of its second with "1"); key is the member's key, unescaped; value is
// the member's JSON text, after the redaction of what it holds. To replace
// the value, return the new JSON text and true; to keep it, return false (the
// value's own members have been offered already: members are offered
// innermost first).
//
// A replacement that is not valid JSON becomes RedactedValue, and the
// sensitive keys of a replacement are redacted in turn. A panicking
// RedactFunc makes the whole payload RedactedValue. path and value are valid
// only during the call and must not be modified. A RedactFunc may be called
// from many goroutines at once.
type RedactFunc func(path []string, key string, value json.RawMessage) (json.RawMessage, bool)

// RedactPolicy says what a Redactor does to payloads. Its zero value redacts
// the values of the default keys (DefaultRedactKeys) and keeps everything
// else.
type RedactPolicy struct {
	// Keys extends the default list of keys whose values are redacted; they
	// match by the same rule.
	Keys []string
	// Func, when set, is called for the members the lists leave alone.
	Func RedactFunc
	// OmitPayloads replaces every payload as a whole by RedactedValue: the
	// record keeps its structure (calls, errors, timing), not the values.
	OmitPayloads bool
}

// Redactor redacts payloads (record inputs and outputs, boundary call
// inputs and outputs) before they leave the process. The value of every
// object member whose key is sensitive, at any depth (inside arrays too),
// becomes RedactedValue. A key is sensitive when it equals one of the
// policy's keys (the defaults and RedactPolicy.Keys) once both are put in
// canonical form: ASCII letters lowered, '-' and '_' removed, so "API-Key",
// "api_key" and "apiKey" all match "apikey". Then the policy's Func, if any,
// decides for the other members.
//
// A Redactor is immutable and safe for concurrent use. A nil *Redactor
// redacts nothing.
type Redactor struct {
	keys   map[string]struct{} // canonical keys
	maxLen int                 // longest canonical key
	// lens[b] has bit n set when a canonical key of n < 64 bytes starts
	// with b, or bit 63 for a longer one: most keys are told apart from
	// every sensitive one by their first byte and length alone.
	lens [256]uint64
	fn   RedactFunc
	omit bool
}

// NewRedactor returns a Redactor applying p.
func NewRedactor(p RedactPolicy) *Redactor {
	r := &Redactor{
		keys: make(map[string]struct{}, len(defaultRedactKeys)+len(p.Keys)),
		fn:   p.Func,
		omit: p.OmitPayloads,
	}
	for _, k := range slices.Concat(defaultRedactKeys, p.Keys) {
		c := string(canonicalKey(nil, []byte(k)))
		if c == "" {
			continue // an empty key would match only empty keys: surely a mistake
		}
		r.keys[c] = struct{}{}
		r.maxLen = max(r.maxLen, len(c))
		r.lens[c[0]] |= lenBit(len(c))
	}
	return r
}

// Redact returns payload, a JSON value, redacted: payload itself when
// nothing in it is redacted (always the case for a payload holding no
// object, such as a number or a plain string, which Redact only searches for
// a '{'), otherwise a new slice. When payloads are omitted, a non-empty
// payload becomes RedactedValue. An empty or nil payload (an absent output)
// is returned as it is. A payload that holds a '{' but is not valid JSON
// becomes RedactedValue as a whole, as the safe choice. The result may share
// memory with other results and must not be modified.
func (r *Redactor) Redact(payload []byte) []byte {
	if r == nil || len(payload) == 0 {
		return payload
	}
	if r.omit {
		return redactedJSON[:len(redactedJSON):len(redactedJSON)]
	}
	if bytes.IndexByte(payload, '{') < 0 {
		return payload // no object, so no key
	}
	s := redactScan{r: r, src: payload, hook: r.fn != nil}
	out, ok := s.run()
	if !ok {
		return redactedJSON[:len(redactedJSON):len(redactedJSON)]
	}
	return out
}

// RedactRecord returns rec with its input, output and the inputs and
// outputs of its boundary calls redacted (see Redact): rec itself when
// nothing changes, otherwise a copy (rec is never modified). Metadata,
// metrics and error messages are left as they are. A nil rec gives nil.
func (r *Redactor) RedactRecord(rec *ExecutionRecord) *ExecutionRecord {
	if r == nil || rec == nil {
		return rec
	}
	var out *ExecutionRecord
	own := func() *ExecutionRecord {
		if out == nil {
			out = rec.Clone()
		}
		return out
	}
	if p, changed := r.redactPayload(rec.Input); changed {
		own().Input = p
	}
	if p, changed := r.redactPayload(rec.Output); changed {
		own().Output = p
	}
	for name, calls := range rec.Boundaries {
		for i := range calls {
			if p, changed := r.redactPayload(calls[i].Input); changed {
				own().Boundaries[name][i].Input = p
			}
			if p, changed := r.redactPayload(calls[i].Output); changed {
				own().Boundaries[name][i].Output = p
			}
		}
	}
	if out == nil {
		return rec
	}
	return out
}

// redactPayload is Redact, also saying whether the result differs from p.
func (r *Redactor) redactPayload(p json.RawMessage) (json.RawMessage, bool) {
	q := r.Redact(p)
	return q, len(q) != len(p) || (len(q) > 0 && &q[0] != &p[0])
}

// lenBit is the bit of a canonical key length in Redactor.lens.
func lenBit(n int) uint64 { return 1 << min(n, 63) }

// sensitive reports whether raw, the text of a key between its quotes, is
// one of the redactor's keys. It first measures the key's canonical form and
// finds its first byte, without building it, and looks the form up only
// when some key has that first byte and length.
func (r *Redactor) sensitive(raw []byte) bool {
	n := 0
	var first byte
	for _, b := range raw {
		switch {
		case b == '\\':
			return r.sensitiveEscaped(raw)
		case b == '-' || b == '_':
			continue
		case n > 0:
		case 'A' <= b && b <= 'Z':
			first = b + 'a' - 'A'
		default:
			first = b
		}
		n++
	}
	if n == 0 || n > r.maxLen || r.lens[first]&lenBit(n) == 0 {
		return false
	}
	var buf [64]byte
	_, ok := r.keys[string(canonicalKey(buf[:0], raw))]
	return ok
}

// sensitiveEscaped is sensitive for a key written with escapes.
func (r *Redactor) sensitiveEscaped(raw []byte) bool {
	k, ok := unescapeKey(raw)
	if !ok {
		return false
	}
	_, found := r.keys[string(canonicalKey(nil, []byte(k)))]
	return found
}

// canonicalKey appends to dst the canonical form of key: ASCII letters
// lowered, '-' and '_' removed.
func canonicalKey(dst, key []byte) []byte {
	for _, b := range key {
		switch {
		case b == '-' || b == '_':
			continue
		case 'A' <= b && b <= 'Z':
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}

// unescapeKey decodes raw, the text of a JSON string between its quotes.
func unescapeKey(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw), true
	}
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var k string
	if err := json.Unmarshal(q, &k); err != nil {
		return "", false
	}
	return k, true
}
