package task

// Validate reports whether in is a valid input of the task, as SafeRun would
// find it: nil, or a *ValidationError (wrapping ErrInvalidInput) listing
// every problem. It runs nothing: no span, no record, no listener, no
// boundary call. An input with no JSON encoding (NaN, ±Inf, a channel) is
// not invalid: SafeRun runs it and records it as null, with a note.
func (t *Task[In, Out]) Validate(in In) error {
	if t.validate {
		if ve := validateValue(in); ve != nil {
			return ve
		}
	}
	return nil
}

// ValidateJSON reports whether data (JSON of an In; empty means null) is a
// valid input of the task, as RunJSON would find it: nil, or a
// *ValidationError (wrapping ErrInvalidInput) listing every problem:
// malformed JSON, values of the wrong JSON type, object members In has no
// field for and broken struct-tag rules. Like Validate, it runs nothing.
func (t *Task[In, Out]) ValidateJSON(data []byte) error {
	return t.paramsFromJSON(data).invalid.orNil()
}

// orNil returns e as an error, nil when e is nil.
func (e *ValidationError) orNil() error {
	if e == nil {
		return nil
	}
	return e
}
