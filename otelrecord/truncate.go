package otelrecord

import (
	"encoding/json"
	"unicode/utf8"
)

// DefaultMaxPayloadBytes is the default size above which a payload written to
// a span attribute is replaced by a truncation marker. It keeps a batch of
// spans well under the 4 MiB default message size of OTLP gRPC.
//
// Payload limits. Every payload limit of this module follows one rule, the
// one Truncate applies: a limit n > 0 lets a payload of up to n bytes through
// whole and replaces a larger one by a truncation marker; n <= 0 means no
// limit. Options and settings that take a limit (task.WithMaxPayloadBytes,
// HIVE_MAX_PAYLOAD_BYTES) refer to this rule.
const DefaultMaxPayloadBytes = 64 << 10

// TruncatedKey is the key of the truncation marker object.
const TruncatedKey = "hive.truncated"

// Truncation is the marker that replaces a payload that was too large. It is
// itself valid JSON, so a rebuilt record stays valid:
//
//	{"hive.truncated":true,"originalSize":123456,"preview":"{\"items\":[1,2,…"}
type Truncation struct {
	// Truncated is always true.
	Truncated bool `json:"hive.truncated"`
	// OriginalSize is the payload's size in bytes.
	OriginalSize int `json:"originalSize"`
	// Preview is the start of the payload, cut on a UTF-8 boundary.
	Preview string `json:"preview"`
}

// Truncate returns payload unchanged when it fits in max bytes or max <= 0
// (no limit: the rule of payload limits, see DefaultMaxPayloadBytes), and
// otherwise the JSON of a Truncation marker whose preview keeps the first
// max/2 bytes of the payload, cut back to a UTF-8 boundary (the preview is
// escaped inside a JSON string, so it needs room to grow). The second result
// reports whether the payload was cut. The marker may be longer than a very
// small max.
func Truncate(payload []byte, max int) ([]byte, bool) {
	if max <= 0 || len(payload) <= max {
		return payload, false
	}
	keep := max / 2
	for keep > 0 && !utf8.RuneStart(payload[keep]) {
		keep--
	}
	out, err := json.Marshal(Truncation{Truncated: true, OriginalSize: len(payload), Preview: string(payload[:keep])})
	if err != nil { // cannot happen for these field types
		return []byte(`{"hive.truncated":true}`), true
	}
	return out, true
}

// TruncateString returns Truncate(payload, max) as text, the form in which
// payloads become span attribute values.
func TruncateString(payload []byte, max int) string {
	p, _ := Truncate(payload, max)
	return string(p)
}

// IsTruncated reports whether payload is a truncation marker and returns it.
func IsTruncated(payload []byte) (Truncation, bool) {
	if len(payload) == 0 || payload[0] != '{' {
		return Truncation{}, false
	}
	var t Truncation
	if err := json.Unmarshal(payload, &t); err != nil || !t.Truncated {
		return Truncation{}, false
	}
	return t, true
}
