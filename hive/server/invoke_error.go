package server

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of what an invoke error shows of its target.
const (
	// maxSummaryChars is the most characters of a target's error message,
	// or of a transport error, an invoke error shows.
	maxSummaryChars = 200
	// maxHostChars is the most characters of a host an invoke error shows.
	maxHostChars = 100
	// maxTargetErrorBytes is the most bytes of a failed target's answer
	// read to find its error message.
	maxTargetErrorBytes = 64 << 10
)

// invokeError is a failed invoke. Its message is what the API client gets:
// it shows at most a summary of what the target sent (see summarize), never
// its full body or headers. It wraps the cause, for the log and errors.Is.
type invokeError struct {
	msg   string
	cause error
}

func (e *invokeError) Error() string { return e.msg }

func (e *invokeError) Unwrap() error { return e.cause }

// targetMessage summarizes the error message of a failed target's answer
// (at most maxTargetErrorBytes of it): the "error" member of a JSON object,
// as the task package's handler answers, else the answer's text.
func targetMessage(data []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	text := string(data)
	if json.Unmarshal(data, &e) == nil && len(e.Error) > 0 && string(e.Error) != "null" {
		var msg string
		if json.Unmarshal(e.Error, &msg) == nil {
			text = msg
		} else {
			text = string(e.Error)
		}
	}
	if s := summarize(text, maxSummaryChars); s != "" {
		return s
	}
	return "(empty body)"
}

// summarize returns s fit to show in an error message: invalid UTF-8
// replaced, control and format characters (bidirectional overrides, zero
// width characters) removed, white space trimmed and each run of it made one
// space, and cut to at most max characters, "…" marking the cut.
func summarize(s string, max int) string {
	var b strings.Builder
	n := 0
	space := false // white space seen since the last character kept
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		if unicode.IsSpace(r) {
			space = n > 0
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if n+need > max {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
