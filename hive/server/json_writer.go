package server

import (
	"bufio"
	"io"
	"unicode/utf8"
)

// jsonWriterBuffer is the size of a jsonWriter's buffer; escapeChunk is how
// much of a long string is escaped at a time.
const (
	jsonWriterBuffer = 8 << 10
	escapeChunk      = 4 << 10
)

// jsonWriter writes JSON text piece by piece through a small buffer, so an
// answer that carries stored records streams them to the client without a
// copy of its own: a record embedded as a value is written from its stored
// bytes, one embedded as a string is escaped a few KiB at a time. It writes
// exactly what encoding/json writes for the same values (see appendEscaped
// and value). The first write error is kept in err, and later writes do
// nothing.
type jsonWriter struct {
	bw *bufio.Writer
	// escapeHTML escapes <, > and & in strings, as json.Marshal does.
	escapeHTML bool
	scratch    []byte
	err        error
}

func newJSONWriter(w io.Writer, escapeHTML bool) *jsonWriter {
	return &jsonWriter{bw: bufio.NewWriterSize(w, jsonWriterBuffer), escapeHTML: escapeHTML}
}

// write writes b as is.
func (j *jsonWriter) write(b []byte) {
	if j.err == nil {
		_, j.err = j.bw.Write(b)
	}
}

// raw writes s as is: punctuation, field names, literals.
func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.bw.WriteString(s)
	}
}

// str writes s as a JSON string.
func (j *jsonWriter) str(s string) {
	if j.err == nil {
		_, j.err = j.bw.Write(appendEscaped(j.bw.AvailableBuffer(), s, j.escapeHTML))
	}
}

// strOf writes b as a JSON string, escaping it a chunk at a time so that no
// escaped copy of b is made.
func (j *jsonWriter) strOf(b []byte) {
	j.raw(`"`)
	for len(b) > 0 && j.err == nil {
		n := min(len(b), escapeChunk)
		if n < len(b) {
			// Do not split a UTF-8 sequence: end the chunk before the
			// nearest byte that starts one, looking back as far as a rune
			// reaches. When none is that near, b[n] belongs to no valid
			// sequence and the chunk may end anywhere there.
			for k := range utf8.UTFMax {
				if n-k > 0 && utf8.RuneStart(b[n-k]) {
					n -= k
					break
				}
			}
		}
		j.scratch = appendEscapedBody(j.scratch[:0], b[:n], j.escapeHTML)
		j.write(j.scratch)
		b = b[n:]
	}
	j.raw(`"`)
}

// value writes the JSON value v compacted: v's bytes without the white space
// between its tokens, which is what encoding/json writes for a
// json.RawMessage when it does not escape HTML. v must be valid JSON (stored
// records and quality are: they were decoded when stored).
func (j *jsonWriter) value(v []byte) {
	start := 0
	inString, escaped := false, false
	for i, c := range v {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if start < i {
				j.write(v[start:i])
			}
			start = i + 1
		}
	}
	if start < len(v) {
		j.write(v[start:])
	}
}

// flush writes what is buffered and returns the first error of the writer.
func (j *jsonWriter) flush() error {
	if j.err == nil {
		j.err = j.bw.Flush()
	}
	return j.err
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends src as a JSON string, quotes included, as
// encoding/json encodes a string.
func appendEscaped[T ~string | ~[]byte](dst []byte, src T, escapeHTML bool) []byte {
	dst = append(dst, '"')
	dst = appendEscapedBody(dst, src, escapeHTML)
	return append(dst, '"')
}

// appendEscapedBody appends src escaped as the inside of a JSON string, byte
// for byte as encoding/json escapes it: \", \\, \b, \f, \n, \r, \t, \u00XX
// for the other control characters, \u003c, \u003e and \u0026 for <, > and &
// when escapeHTML is set, \ufffd for each byte of invalid UTF-8, and \u2028
// and \u2029 for the line and paragraph separators.
func appendEscapedBody[T ~string | ~[]byte](dst []byte, src T, escapeHTML bool) []byte {
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!escapeHTML || (b != '<' && b != '>' && b != '&')) {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, src[start:]...)
}
