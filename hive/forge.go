package hive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Forge is the part of a forge.json file the clients use: the project and the
// uuid of each task, by task name. Other keys of the file are ignored.
//
//	{"project":{"name":"shop","uuid":"…"},
//	 "tasks":{"getUserReport":{"path":"src/tasks/…","handler":"handler","uuid":"…"}}}
type Forge struct {
	// Project names and identifies the project.
	Project ForgeProject `json:"project"`
	// Tasks maps task names to their entries.
	Tasks map[string]ForgeTask `json:"tasks"`
}

// ForgeProject is the "project" object of forge.json.
type ForgeProject struct {
	// Name is the project's name.
	Name string `json:"name"`
	// UUID identifies the project on the server.
	UUID string `json:"uuid"`
}

// ForgeTask is one entry of the "tasks" object of forge.json.
type ForgeTask struct {
	// Path is the task's source file.
	Path string `json:"path,omitempty"`
	// Handler is the exported name of the task's handler.
	Handler string `json:"handler,omitempty"`
	// UUID identifies the task on the server.
	UUID string `json:"uuid"`
}

// LoadForge reads and parses the forge.json file at path. Errors name the file
// and wrap ErrInvalidForge (and, for a missing file, fs.ErrNotExist).
func LoadForge(path string) (*Forge, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidForge, path, err)
	}
	f, err := ParseForge(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ParseForge parses the content of a forge.json file. The document must be a
// single JSON object; "project" and "tasks" are optional, but when present
// their fields must have the documented types. Unknown keys are ignored.
// Errors wrap ErrInvalidForge and name the problem.
func ParseForge(data []byte) (*Forge, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrInvalidForge)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: the document must be a JSON object", ErrInvalidForge)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var f Forge
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidForge, describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", ErrInvalidForge)
	}
	return &f, nil
}

// TaskUUID returns the uuid forge.json gives the task, or "" when the task is
// not listed. It is safe on a nil Forge.
func (f *Forge) TaskUUID(taskName string) string {
	if f == nil {
		return ""
	}
	return f.Tasks[taskName].UUID
}

// TaskNames returns the names of the listed tasks, sorted. It is safe on a nil
// Forge.
func (f *Forge) TaskNames() []string {
	if f == nil {
		return nil
	}
	names := make([]string, 0, len(f.Tasks))
	for name := range f.Tasks {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// describeJSONError turns a decoding error into a message naming the field or
// the byte offset at fault.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "document"
		}
		return fmt.Sprintf("%s: expected %s, got JSON %s (offset %d)", field, typeErr.Type, typeErr.Value, typeErr.Offset)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("malformed JSON at offset %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "truncated JSON"
	default:
		return err.Error()
	}
}
