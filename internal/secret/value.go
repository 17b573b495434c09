package secret

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// Value holds a secret (New) or an API key (NewKey) and shows only its
// masked text (Mask or MaskKey) wherever it is printed, logged or encoded.
// Reveal returns the text itself. The zero Value is unset.
//
// Values are compared with Equal, not ==, which compares where the text is
// kept.
type Value struct {
	// text is kept behind a pointer to a string: fmt shows such a pointer
	// as an address with every verb, even through reflection.
	text *string
	key  bool
}

var (
	_ fmt.Formatter  = Value{}
	_ fmt.Stringer   = Value{}
	_ fmt.GoStringer = Value{}
	_ slog.LogValuer = Value{}
	_ json.Marshaler = Value{}
)

// New returns a Value holding the secret s, which shows as Redacted. An
// empty s gives the unset Value.
func New(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{text: &s}
}

// NewKey returns a Value holding the API key s, which shows as MaskKey(s).
// An empty s gives the unset Value.
func NewKey(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{text: &s, key: true}
}

// Reveal returns the text v holds; empty when v is unset.
func (v Value) Reveal() string {
	if v.text == nil {
		return ""
	}
	return *v.text
}

// IsSet reports whether v holds a non-empty text.
func (v Value) IsSet() bool { return v.Reveal() != "" }

// Equal reports whether v and w hold the same text.
func (v Value) Equal(w Value) bool { return v.Reveal() == w.Reveal() }

// String returns the masked text: MaskKey of a key, Mask of a secret.
func (v Value) String() string {
	if v.key {
		return MaskKey(v.Reveal())
	}
	return Mask(v.Reveal())
}

// GoString returns the masked text as a Go-syntax expression, for %#v.
func (v Value) GoString() string { return "secret.Value(" + strconv.Quote(v.String()) + ")" }

// Format writes the masked text with the verb and flags given: %#v gives
// GoString, every other verb formats String as a string would be.
func (v Value) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, v.GoString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), v.String())
}

// LogValue returns the masked text, so slog never records the value.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.String()) }

// MarshalJSON encodes the masked text as a JSON string.
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }

// MarshalText returns the masked text, for encoders other than JSON.
func (v Value) MarshalText() ([]byte, error) { return []byte(v.String()), nil }
