package server

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeString is what encoding/json writes for s.
func encodeString(t testing.TB, s string, escapeHTML bool) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	require.NoError(t, enc.Encode(s))
	return strings.TrimSuffix(buf.String(), "\n")
}

// encodeRaw is what encoding/json writes for v as a json.RawMessage, without
// HTML escaping (the server's answers).
func encodeRaw(t testing.TB, v []byte) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(json.RawMessage(v)))
	return strings.TrimSuffix(buf.String(), "\n")
}

// written returns what fn writes through a jsonWriter.
func written(t testing.TB, escapeHTML bool, fn func(j *jsonWriter)) string {
	t.Helper()
	var buf bytes.Buffer
	j := newJSONWriter(&buf, escapeHTML)
	fn(j)
	require.NoError(t, j.flush())
	return buf.String()
}

// trickyStrings holds what string escaping must get right, short and across
// the boundaries of the chunks long strings are escaped in.
func trickyStrings() []string {
	out := []string{
		"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bbs\fff",
		"\x00\x01\x1f\x7f", "é € 𝄞 日本", "line\u2028para\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate",
		`{"taskName":"t","input":{"html":"<a href='x'>&</a>"}}`,
	}
	for _, r := range []string{"é", "€", "𝄞", "\u2028", "\xff", "\xe2\x82"} {
		for pad := range utf8.UTFMax + 1 {
			out = append(out, strings.Repeat("a", escapeChunk-pad)+strings.Repeat(r, 3)+"z")
		}
	}
	out = append(out, strings.Repeat(`"<é>"`, 3*escapeChunk))
	return out
}

func TestJSONWriterStringsAreEncodingJSONs(t *testing.T) {
	for _, s := range trickyStrings() {
		for _, html := range []bool{false, true} {
			want := encodeString(t, s, html)
			assert.Equal(t, want, written(t, html, func(j *jsonWriter) { j.str(s) }), "str(%.40q) html=%v", s, html)
			assert.Equal(t, want, written(t, html, func(j *jsonWriter) { j.strOf([]byte(s)) }), "strOf(%.40q) html=%v", s, html)
		}
	}
}

func TestJSONWriterValuesAreRawMessages(t *testing.T) {
	for _, v := range []string{
		`{}`, `[]`, `"x"`, `1.5e3`, `null`,
		`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
		"{\n  \"taskName\": \"t\",\n\t\"input\": [ 1, 2 ],\r\n  \"s\": \"keeps  its \\\" spaces \\\\\"  }\n",
		` {"html":"<a>&</a>","sep":"` + "\u2028" + `","esc":"\u00e9\n"} `,
		`{"k":"\\"}`, `{"k":"a\\\"b"}`,
	} {
		assert.Equal(t, encodeRaw(t, []byte(v)), written(t, false, func(j *jsonWriter) { j.value([]byte(v)) }), "value(%q)", v)
	}
}

// TestJSONWriterKeepsFirstError: after a failed write nothing more is
// written and flush reports the failure.
func TestJSONWriterKeepsFirstError(t *testing.T) {
	w := &failAfter{n: 3}
	j := newJSONWriter(w, false)
	j.strOf(bytes.Repeat([]byte("x"), 4*jsonWriterBuffer))
	j.raw("more")
	require.ErrorIs(t, j.flush(), errWriteFailed)
	assert.Equal(t, 3, w.writes)
}

var errWriteFailed = assert.AnError

// failAfter accepts n writes, then fails.
type failAfter struct{ n, writes int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.writes == f.n {
		return 0, errWriteFailed
	}
	f.writes++
	return len(p), nil
}

func FuzzJSONWriter(f *testing.F) {
	for _, s := range trickyStrings()[:12] {
		f.Add(s)
	}
	f.Add(`{"a" : [ 1 , "b c" ] }`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{false, true} {
			if got, want := written(t, html, func(j *jsonWriter) { j.strOf([]byte(s)) }), encodeString(t, s, html); got != want {
				t.Fatalf("strOf(%q) html=%v = %s, encoding/json writes %s", s, html, got, want)
			}
		}
		if long := strings.Repeat(s, escapeChunk/max(1, len(s))+2); len(long) > escapeChunk {
			if got, want := written(t, true, func(j *jsonWriter) { j.strOf([]byte(long)) }), encodeString(t, long, true); got != want {
				t.Fatalf("strOf of %q repeated differs from encoding/json", s)
			}
		}
		if json.Valid([]byte(s)) {
			if got, want := written(t, false, func(j *jsonWriter) { j.value([]byte(s)) }), encodeRaw(t, []byte(s)); got != want {
				t.Fatalf("value(%q) = %s, encoding/json writes %s", s, got, want)
			}
		}
	})
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAnswersDoNotCopyTheRecord: writing a 10 MiB record into an answer, as
// a JSON string (escaped throughout) or as the object itself, takes a few
// KiB of buffers, not a copy of the record.
func TestAnswersDoNotCopyTheRecord(t *testing.T) {
	note := strings.Repeat(`say "<é>" \ `, (10<<20)/16)
	e := StoredLog{
		UUID: "u", TaskName: "t", ProjectName: "p",
		Record:    json.RawMessage(`{"taskName":"t","uuid":"u","note":` + encodeString(t, note, false) + `}`),
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	require.Greater(t, len(e.Record), 10<<20)
	for name, write := range map[string]func(j *jsonWriter){
		"logItem string": func(j *jsonWriter) { j.envelope(e, logItemString) },
		"logItem object": func(j *jsonWriter) { j.envelope(e, logItemObject) },
		"list entry":     func(j *jsonWriter) { j.listEntry(e) },
	} {
		n := allocated(func() {
			j := newJSONWriter(io.Discard, true)
			write(j)
			require.NoError(t, j.endJSON())
		})
		assert.Less(t, n, uint64(256<<10), "%s: %d bytes allocated", name, n)
	}
}
