package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Limits of a JSON value shown on a page.
const (
	// foldLines and foldBytes: a value longer than either is shown folded
	// (a <details> the visitor opens).
	foldLines = 24
	foldBytes = 2 << 10
	// maxShownBytes: a value's text is cut past this size, saying how much
	// is left out.
	maxShownBytes = 256 << 10
)

// jsonView is a JSON value as a page shows it: indented, folded when long,
// cut when huge.
type jsonView struct {
	// Text is the indented JSON (or the raw bytes when they are not JSON).
	Text string
	// Present is false when the value is absent from the record.
	Present bool
	// Folded is true when the value is long enough to be shown folded.
	Folded bool
	// Summary describes a folded value: its first line and size.
	Summary string
	// Cut says how much of the value is not shown; empty when all is.
	Cut string
}

// newJSONView returns the view of raw; absent when raw is empty.
func newJSONView(raw json.RawMessage) jsonView {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return jsonView{}
	}
	v := jsonView{Present: true}
	var buf bytes.Buffer
	text := raw
	if len(raw) <= maxShownBytes*2 && json.Indent(&buf, raw, "", "  ") == nil {
		text = buf.Bytes()
	}
	if len(text) > maxShownBytes {
		v.Cut = fmt.Sprintf("%s more not shown", byteSize(len(text)-maxShownBytes))
		text = text[:maxShownBytes]
	}
	v.Text = strings.ToValidUTF8(string(text), "\uFFFD")
	lines := strings.Count(v.Text, "\n") + 1
	if lines > foldLines || len(v.Text) > foldBytes {
		v.Folded = true
		first, _, _ := strings.Cut(v.Text, "\n")
		if len(first) > 60 {
			first = strings.ToValidUTF8(first[:60], "") + "…"
		}
		v.Summary = fmt.Sprintf("%s … (%d lines, %s)", first, lines, byteSize(len(raw)))
	}
	return v
}

// byteSize formats n bytes for people.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
