// Package secret keeps credentials out of output: a Value holds an API secret
// or key and never shows it through fmt (every verb, %#v included), log/slog,
// encoding/json or encoding.TextMarshaler, and Mask and MaskKey give the
// masked text of a plain string.
//
// A secret shows as nothing but "[redacted]" (empty when unset); a key shows
// at most its first 4 characters followed by "…", and nothing of a key of 8
// characters or fewer.
//
// A Value keeps its text behind a pointer, so even a struct printed by
// reflection, where fmt cannot call the methods of an unexported field,
// shows an address and not the text.
//
// It imports the standard library only, so any package of the module may use
// it.
package secret
