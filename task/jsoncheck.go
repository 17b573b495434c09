package task

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkJSON walks v, a JSON value decoded with json.Number numbers, against
// the Go type t it is decoded into, and appends to issues every value of the
// wrong JSON type (CodeInvalidType) and every object member a struct has no
// field for (CodeUnrecognizedKeys), at path ("" is the input itself). Struct
// members go in field order, then unknown members by name; array elements by
// index. Types that decode themselves (json.Unmarshaler,
// encoding.TextUnmarshaler) are left to encoding/json, and null fits every
// type, as in encoding/json.
func checkJSON(issues []FieldError, path string, v any, t reflect.Type) []FieldError {
	if t == nil || v == nil {
		return issues
	}
	for t.Kind() == reflect.Pointer {
		if decodesItself(t) {
			return issues
		}
		t = t.Elem()
	}
	if decodesItself(t) || t.Kind() == reflect.Interface {
		return issues
	}
	wrong := func(got string) []FieldError {
		return append(issues, FieldError{Field: issuePath(path), Message: "expected " + jsonType(t) + ", got " + got, Code: CodeInvalidType})
	}
	switch t.Kind() {
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong(jsonKind(v))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return wrong(jsonKind(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong(jsonKind(v))
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return wrong("number " + string(n))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := v.(json.Number)
		if !ok {
			return wrong(jsonKind(v))
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return wrong("number " + string(n))
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong(jsonKind(v))
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return wrong("number " + string(n))
		}
	case reflect.Slice, reflect.Array:
		if _, ok := v.(string); ok && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return issues // []byte decodes from base64
		}
		a, ok := v.([]any)
		if !ok {
			return wrong(jsonKind(v))
		}
		for i, e := range a {
			if t.Kind() == reflect.Array && i >= t.Len() {
				break // encoding/json drops the elements past the array
			}
			issues = checkJSON(issues, issuePath(path)+"["+strconv.Itoa(i)+"]", e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong(jsonKind(v))
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			issues = checkJSON(issues, joinPath(path, k), m[k], t.Elem())
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong(jsonKind(v))
		}
		return checkStruct(issues, path, m, t)
	}
	return issues
}

// checkStruct checks the members of the JSON object m decoded into the
// struct type t; see checkJSON.
func checkStruct(issues []FieldError, path string, m map[string]any, t reflect.Type) []FieldError {
	used := make(map[string]bool, len(m))
	for _, f := range jsonFields(t) {
		key, ok := f.name, false
		if _, ok = m[key]; !ok {
			for k := range m { // encoding/json matches names without case too
				if !used[k] && strings.EqualFold(k, f.name) && (!ok || k < key) {
					key, ok = k, true
				}
			}
		}
		if !ok {
			continue
		}
		used[key] = true
		if !f.quoted {
			issues = checkJSON(issues, joinPath(path, f.name), m[key], f.typ)
		}
	}
	var unknown []string
	for k := range m {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		issues = append(issues, FieldError{Field: joinPath(path, k), Message: "unknown field", Code: CodeUnrecognizedKeys})
	}
	return issues
}

// decodesItself reports whether values of t, or pointers to them, decode
// their own JSON.
func decodesItself(t reflect.Type) bool {
	if t.Implements(jsonUnmarshalerType) || t.Implements(textUnmarshalerType) {
		return true
	}
	pt := reflect.PointerTo(t)
	return pt.Implements(jsonUnmarshalerType) || pt.Implements(textUnmarshalerType)
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// issuePath names path in an issue: rootField for the input itself.
func issuePath(path string) string {
	if path == "" {
		return rootField
	}
	return path
}

// joinPath returns the path of member name of the object at path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name   string
	typ    reflect.Type
	quoted bool // the ",string" option: the value is a JSON string
}

// fieldCache holds the jsonFields of struct types.
var fieldCache sync.Map // reflect.Type -> []jsonField

// jsonFields returns the fields encoding/json decodes into values of the
// struct type t, in declaration order, with those of embedded structs
// promoted (the shallower of two fields of one name wins).
func jsonFields(t reflect.Type) []jsonField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]jsonField)
	}
	var fs []jsonField
	seen := make(map[string]bool)
	next := []reflect.Type{t}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		var embedded []reflect.Type
		var names []string
		for _, st := range next {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := f.Type
				if f.Anonymous && name == "" {
					et := ft
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if et.Kind() == reflect.Struct {
						embedded = append(embedded, et)
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if seen[name] {
					continue
				}
				names = append(names, name)
				fs = append(fs, jsonField{name: name, typ: ft, quoted: strings.Contains(","+opts+",", ",string,")})
			}
		}
		for _, n := range names {
			seen[n] = true
		}
		next = embedded
	}
	fieldCache.Store(t, fs)
	return fs
}
