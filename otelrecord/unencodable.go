package otelrecord

import (
	"strconv"
	"strings"
)

// Payloads named in the notes of MetadataUnencodablePrefix.
const (
	// UnencodableInput names an input with no JSON encoding.
	UnencodableInput = "input"
	// UnencodableOutput names an output with no JSON encoding.
	UnencodableOutput = "output"
)

// UnencodableKey returns the metadata key noting that the payload ("input"
// or "output") of the i-th call of boundary name has no JSON encoding.
func UnencodableKey(name string, i int, payload string) string {
	return MetadataUnencodablePrefix + name + "." + strconv.Itoa(i) + "." + payload
}

// UnencodableTaskKey returns the metadata key noting that the task's
// payload ("input" or "output") has no JSON encoding.
func UnencodableTaskKey(payload string) string {
	return MetadataUnencodablePrefix + "task." + payload
}

// UnencodableOutputs returns, from a record's metadata, the calls whose
// output had no JSON encoding and was recorded as null: by boundary name,
// the call's index in the record mapped to the encoding error. It is nil
// when there are none.
func UnencodableOutputs(metadata map[string]string) map[string]map[int]string {
	var out map[string]map[int]string
	for k, v := range metadata {
		rest, ok := strings.CutPrefix(k, MetadataUnencodablePrefix)
		if !ok {
			continue
		}
		rest, ok = strings.CutSuffix(rest, "."+UnencodableOutput)
		if !ok {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			continue
		}
		i, err := strconv.Atoi(rest[dot+1:])
		if err != nil || i < 0 {
			continue
		}
		name := rest[:dot]
		if out == nil {
			out = make(map[string]map[int]string)
		}
		if out[name] == nil {
			out[name] = make(map[int]string)
		}
		out[name][i] = v
	}
	return out
}
