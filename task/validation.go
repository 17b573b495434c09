package task

import (
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

// FieldError is one problem with a task input.
type FieldError struct {
	// Field is the JSON path of the offending field ("address.city",
	// "items[0]"), or "input" for the input as a whole.
	Field string `json:"field"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// ValidationError reports an invalid task input: struct-tag rules it breaks
// (go-playground/validator tags) or JSON values of the wrong type. Its message
// is "Invalid input on: <field>: <message>[, …]", as Forge Hive reports it.
type ValidationError struct {
	// Fields lists every problem found.
	Fields []FieldError
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
		ve.Fields = append(ve.Fields, FieldError{Field: fieldPath(fe.Namespace()), Message: ruleMessage(fe)})
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

// decodeInput decodes raw JSON into an In, reporting malformed JSON and type
// mismatches as a ValidationError. Empty raw is JSON null.
func decodeInput[In any](raw json.RawMessage) (In, *ValidationError) {
	var in In
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	err := json.Unmarshal(raw, &in)
	if err == nil {
		return in, nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = rootField
		}
		return in, &ValidationError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf("expected %s, got %s", jsonType(te.Type), te.Value)}}}
	}
	return in, &ValidationError{Fields: []FieldError{{Field: rootField, Message: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")}}}
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
