package run

import (
	"encoding/json"
	"slices"
)

// NotAnArray is the argument count ArgCounts gives a recorded input that is
// not a JSON array.
const NotAnArray = -1

// ArgCounts returns the distinct argument counts of the recorded inputs of
// boundary name, in increasing order: the length of each input array, or
// NotAnArray for an input that is not one. It is nil when the tape holds no
// recording of name. It decodes every recorded input of the boundary, so it
// is meant for the path of a failed lookup, to say why it failed.
func (t *Tape) ArgCounts(name string) []int {
	if t == nil {
		return nil
	}
	var counts []int
	for _, bucket := range t.byName[name] {
		for _, g := range bucket {
			n := argCount(g.canon)
			if !slices.Contains(counts, n) {
				counts = append(counts, n)
			}
		}
	}
	slices.Sort(counts)
	return counts
}

// argCount returns the length of the JSON array data, or NotAnArray.
func argCount(data []byte) int {
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil || args == nil {
		return NotAnArray
	}
	return len(args)
}

// RecordedArgCounts returns the argument counts of the recorded inputs of
// boundary name on the run's tape, as Tape.ArgCounts does.
func (r *Run[M]) RecordedArgCounts(name string) []int { return r.tape.ArgCounts(name) }
