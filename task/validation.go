package task

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

// ErrInvalidInput is wrapped by every *ValidationError.
var ErrInvalidInput = errors.New("invalid input")

// Codes of the problems of a task input (FieldError.Code), named after the
// issue codes of zod, which Forge Hive validates with.
const (
	// CodeInvalidType is a JSON value of the wrong type, or a required
	// field left empty.
	CodeInvalidType = "invalid_type"
	// CodeUnrecognizedKeys is an object member the input type has no field
	// for.
	CodeUnrecognizedKeys = "unrecognized_keys"
	// CodeInvalidJSON is an input that is not JSON at all.
	CodeInvalidJSON = "invalid_json"
	// CodeTooSmall is a number, length or count under its minimum.
	CodeTooSmall = "too_small"
	// CodeTooBig is a number, length or count over its maximum.
	CodeTooBig = "too_big"
	// CodeInvalidEnumValue is a value outside its set of allowed values.
	CodeInvalidEnumValue = "invalid_enum_value"
	// CodeInvalidString is a string not of its format (email, URL, UUID).
	CodeInvalidString = "invalid_string"
	// CodeCustom is any other broken rule.
	CodeCustom = "custom"
)

// FieldError is one problem with a task input (an issue, as zod says).
type FieldError struct {
	// Field is the JSON path of the offending field ("address.city",
	// "items[0]"), or "input" for the input as a whole.
	Field string `json:"field"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Code classifies the problem: one of the Code constants.
	Code string `json:"code,omitempty"`
}

// ValidationError reports an invalid task input: every struct-tag rule it
// breaks (go-playground/validator tags), every JSON value of the wrong type
// and every object member its type has no field for, at once. Its message is
// "Invalid input on: <field>: <message>[, …]", as Forge Hive reports it.
//
// The problems come in a stable order: those of the JSON first (the fields
// of a struct in declaration order, then its unknown members by name; array
// elements by index), then the broken rules in field order. A rule is not
// checked on a value whose JSON had the wrong type, nor inside it.
type ValidationError struct {
	// Fields lists every problem found.
	Fields []FieldError
}

// Issues returns a copy of the problems found, in order.
func (e *ValidationError) Issues() []FieldError {
	return append([]FieldError(nil), e.Fields...)
}

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("Invalid input on: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Unwrap returns ErrInvalidInput.
func (e *ValidationError) Unwrap() error { return ErrInvalidInput }

// rootField names the input as a whole in a FieldError.
const rootField = "input"

// validate is the shared validator; it is safe for concurrent use and caches
// struct metadata, so there is one per process.
var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return f.Name
		}
		return name
	})
	return v
})

// isStructInput reports whether values of t can carry validator struct tags.
func isStructInput(t reflect.Type) bool {
	if t == nil {
		return false
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// validateValue checks the struct-tag rules of v; nil when v is valid or not
// a struct.
func validateValue(v any) *ValidationError {
	err := validate().Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return nil // not a struct (or a nil pointer): nothing to check
	}
	ve := &ValidationError{Fields: make([]FieldError, 0, len(verrs))}
	for _, fe := range verrs {
		ve.Fields = append(ve.Fields, FieldError{Field: fieldPath(fe.Namespace()), Message: ruleMessage(fe), Code: ruleCode(fe.Tag())})
	}
	return ve
}

// fieldPath drops the struct type name that starts a validator namespace.
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return rootField
}

// ruleCode classifies a failed validator rule by its tag.
func ruleCode(tag string) string {
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_without":
		return CodeInvalidType
	case "min", "gte", "gt":
		return CodeTooSmall
	case "max", "lte", "lt":
		return CodeTooBig
	case "oneof", "eq", "ne":
		return CodeInvalidEnumValue
	case "email", "url", "http_url", "uri", "uuid", "uuid4", "uuid7", "uuid_rfc4122":
		return CodeInvalidString
	}
	return CodeCustom
}

// ruleMessage turns a failed validator rule into a readable message.
func ruleMessage(fe validator.FieldError) string {
	p := fe.Param()
	unit := ""
	switch fe.Kind() {
	case reflect.String:
		unit = " characters"
	case reflect.Slice, reflect.Array, reflect.Map:
		unit = " items"
	}
	switch fe.Tag() {
	case "required", "required_if", "required_unless", "required_with", "required_without":
		return "is required"
	case "min", "gte":
		return "must be at least " + p + unit
	case "max", "lte":
		return "must be at most " + p + unit
	case "gt":
		return "must be greater than " + p + unit
	case "lt":
		return "must be less than " + p + unit
	case "len":
		return "must have length " + p + unit
	case "eq":
		return "must equal " + p
	case "ne":
		return "must not equal " + p
	case "oneof":
		return "must be one of: " + strings.Join(strings.Fields(p), ", ")
	case "email":
		return "must be a valid email address"
	case "url", "http_url", "uri":
		return "must be a valid URL"
	case "uuid", "uuid4", "uuid7", "uuid_rfc4122":
		return "must be a valid UUID"
	}
	if p != "" {
		return fmt.Sprintf("failed the %q rule (%s)", fe.Tag(), p)
	}
	return fmt.Sprintf("failed the %q rule", fe.Tag())
}

// decodeInput decodes raw JSON (empty is null) into an In and reports its
// problems: malformed JSON, values of the wrong JSON type, object members In
// has no field for (see checkJSON). When there are some, the struct-tag
// rules of the decoded value are checked too (see mergeIssues), so that the
// error lists every problem; when there are none, the value is returned
// with a nil error for the caller to check its rules (validateValue).
func decodeInput[In any](raw json.RawMessage) (In, *ValidationError) {
	in, issues, checkTags := decodeJSON[In](raw)
	if len(issues) == 0 {
		return in, nil
	}
	if checkTags && isStructInput(reflect.TypeFor[In]()) {
		if ve := validateValue(in); ve != nil {
			issues = mergeIssues(issues, ve.Fields)
		}
	}
	return in, &ValidationError{Fields: issues}
}

// decodeJSON decodes raw JSON into an In and returns the problems of the
// JSON and whether the struct-tag rules may still be checked on the decoded
// value (not after malformed JSON or the failure of a custom decoder, which
// leave it half decoded). Empty raw is JSON null.
func decodeJSON[In any](raw json.RawMessage) (In, []FieldError, bool) {
	var in In
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	err := json.Unmarshal(raw, &in)
	var se *json.SyntaxError
	if errors.As(err, &se) || (err != nil && !json.Valid(raw)) {
		return in, []FieldError{{Field: rootField, Message: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: "), Code: CodeInvalidJSON}}, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if derr := dec.Decode(&v); derr != nil { // raw is valid JSON: cannot happen
		return in, []FieldError{{Field: rootField, Message: "malformed JSON: " + derr.Error(), Code: CodeInvalidJSON}}, false
	}
	issues := checkJSON(nil, "", v, reflect.TypeFor[In]())
	if err == nil {
		return in, issues, true
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if !hasTypeIssue(issues) { // a type the walk leaves to encoding/json
			field := te.Field
			if field == "" {
				field = rootField
			}
			issues = append(issues, FieldError{Field: field, Message: fmt.Sprintf("expected %s, got %s", jsonType(te.Type), te.Value), Code: CodeInvalidType})
		}
		return in, issues, true
	}
	// A type decoding itself failed, and encoding/json stopped there.
	return in, append(issues, FieldError{Field: rootField, Message: strings.TrimPrefix(err.Error(), "json: "), Code: CodeCustom}), false
}

// hasTypeIssue reports whether issues holds a value of the wrong JSON type.
func hasTypeIssue(issues []FieldError) bool {
	for _, f := range issues {
		if f.Code == CodeInvalidType {
			return true
		}
	}
	return false
}

// mergeIssues appends the struct-tag failures of tags to decoded, the
// problems of the JSON, leaving out those at or under a path whose value had
// the wrong JSON type (its zero value breaks rules the input did not).
func mergeIssues(decoded, tags []FieldError) []FieldError {
	out := decoded
	for _, f := range tags {
		if !underTypeIssue(decoded, f.Field) {
			out = append(out, f)
		}
	}
	return out
}

// underTypeIssue reports whether path is, or is inside, the path of a type
// issue of issues.
func underTypeIssue(issues []FieldError, path string) bool {
	for _, f := range issues {
		if f.Code != CodeInvalidType {
			continue
		}
		if f.Field == rootField || path == f.Field ||
			strings.HasPrefix(path, f.Field+".") || strings.HasPrefix(path, f.Field+"[") {
			return true
		}
	}
	return false
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.String()
}
