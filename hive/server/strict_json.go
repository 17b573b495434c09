package server

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The ingest routes read JSON strictly, with the encoding/json v2 semantics
// of github.com/go-json-experiment/json (RFC 8259 text restricted as RFC 7493
// I-JSON restricts it):
//
//   - object keys are matched to fields exactly: only the spellings of the
//     wire format count, so "UUID" or "TaskName" is an unknown key, never
//     the uuid or the task name;
//   - a key repeated in an object, at any depth, is refused (two keys are
//     the same when their unescaped text is, so "\u0075uid" repeats "uuid");
//   - invalid UTF-8 is refused anywhere, and so is a \u escape of a UTF-16
//     surrogate that is not a high surrogate followed by a low one: such an
//     escape stands for no Unicode character, and storing it would leave a
//     record that strict readers cannot read back.
//
// Errors name the field as a path into the JSON ("logItem.metrics[0].name")
// and give the byte offset where it helps.

// strictUnmarshal decodes data into v with the strict rules above.
func strictUnmarshal(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v)
}

// describeStrictError turns an error of strictUnmarshal into a message that
// names the field: root is the path of the decoded value ("" for a request
// body, "logItem" for a record) and in says what byte offsets count in
// ("the record"; empty to leave it unsaid).
func describeStrictError(root string, err error, in string) string {
	at := func(offset int64) string {
		if in == "" {
			return fmt.Sprintf("at byte %d", offset)
		}
		return fmt.Sprintf("at byte %d of %s", offset, in)
	}
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn):
		field := jsonPath(root, syn.JSONPointer)
		switch msg := errorText(syn.Err); {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return fmt.Sprintf("%s: duplicate key %q", field, syn.JSONPointer.LastToken())
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			return prefixed(field, "unexpected end of JSON input")
		case msg == "invalid UTF-8":
			return prefixed(field, "invalid UTF-8 "+at(syn.ByteOffset))
		case strings.Contains(msg, "surrogate"):
			return prefixed(field, "invalid UTF-8 "+at(syn.ByteOffset)+`: a \u escape of a surrogate that does not pair`)
		default:
			return prefixed(field, msg+" "+at(syn.ByteOffset))
		}
	case errors.As(err, &sem):
		field := jsonPath(root, sem.JSONPointer)
		want := goKind(sem.GoType)
		switch {
		case sem.Err != nil && len(sem.JSONValue) > 0:
			return prefixed(field, fmt.Sprintf("cannot hold %s as %s: %s", truncate(string(sem.JSONValue), 40), want, errorText(sem.Err)))
		case sem.Err != nil:
			return prefixed(field, errorText(sem.Err))
		case field == "":
			return fmt.Sprintf("expected %s, got %s", want, jsonKindName(sem.JSONKind))
		default: // as encoding/json words it
			return fmt.Sprintf("field %q must be %s, got %s", field, want, jsonKindName(sem.JSONKind))
		}
	default:
		return prefixed(root, errorText(err))
	}
}

// prefixed is msg about field, or msg alone when field is empty.
func prefixed(field, msg string) string {
	if field == "" {
		return msg
	}
	return field + ": " + msg
}

// errorText is err's message without the package prefixes of the JSON
// library.
func errorText(err error) string {
	if err == nil {
		return "invalid JSON"
	}
	msg := err.Error()
	for _, p := range []string{"jsontext: ", "json: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// jsonPath writes a JSON pointer as a path under root: object keys joined
// with dots, array indices in brackets, and keys that would read ambiguously
// quoted in brackets: logItem.metrics[0].name, logItem.metadata["a.b"]. A key
// made of digits reads as an index.
func jsonPath(root string, ptr jsontext.Pointer) string {
	path := root
	for tok := range ptr.Tokens() {
		path = keyPath(path, tok)
	}
	return path
}

// keyPath is the path of key in the object at path, written as jsonPath
// writes it.
func keyPath(path, key string) string {
	switch {
	case isDigits(key):
		return path + "[" + key + "]"
	case isPlainKey(key) && path == "":
		return key
	case isPlainKey(key):
		return path + "." + key
	default:
		return path + "[" + strconv.Quote(truncate(key, 40)) + "]"
	}
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isPlainKey reports whether the key s reads unambiguously after a dot: not
// empty, at most 40 bytes, and made of letters, digits, '_', '-' and '$'.
func isPlainKey(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// truncate shortens s to at most n bytes, on a rune boundary, marking the
// cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// goKind names what a Go type holds the way a JSON user thinks of it.
func goKind(t reflect.Type) string {
	if t == nil {
		return "valid"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	default:
		return jsonKind(t.Kind().String())
	}
}

// jsonKindName names the kind of a JSON value as encoding/json does in its
// errors ("got number").
func jsonKindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	default:
		return "nothing"
	}
}
