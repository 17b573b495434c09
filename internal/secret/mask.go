package secret

// Redacted is what a set secret shows instead of its value.
const Redacted = "[redacted]"

// keyPrefix is the number of leading characters of a key MaskKey shows, and
// keyMinShown the length a key must exceed for any of it to show.
const (
	keyPrefix   = 4
	keyMinShown = 8
)

// Mask returns the masked text of a secret: Redacted when it is set, empty
// when it is not. Nothing of the secret shows, not even its length.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

// MaskKey returns the masked text of an API key: its first 4 characters
// followed by "…" when it is longer than 8 characters, Redacted when it has
// 8 or fewer, and empty when it is not set.
func MaskKey(key string) string {
	if key == "" {
		return ""
	}
	r := []rune(key)
	if len(r) <= keyMinShown {
		return Redacted
	}
	return string(r[:keyPrefix]) + "…"
}
