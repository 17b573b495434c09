package run

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Tape holds recorded boundary calls, indexed for lookup by boundary name and
// by the canonical JSON of the call input. A Tape is immutable and safe for
// concurrent use; each Run keeps its own position in it, so one Tape serves
// any number of runs.
type Tape struct {
	byName map[string]map[uint64][]*tapeGroup
	size   int
}

// tapeGroup is every recording of one boundary for one canonical input, in
// recording order.
type tapeGroup struct {
	canon []byte
	recs  []otelrecord.BoundaryRecord
	// unencodable holds, by index in recs, the encoding error of an output
	// recorded as null for having no JSON encoding; nil when there is none.
	unencodable map[int]string
}

// NewTape indexes the recorded calls in data, keyed by boundary name (the
// shape of ExecutionRecord.Boundaries). Calls keep their order within a
// boundary, so the k-th call with an input is answered by the k-th recording
// of it. Building takes time linear in the size of data.
//
// A recording whose input is not valid JSON cannot be looked up: it is left
// out, and the returned error (nil when every recording is indexed) says
// which. The returned tape is usable either way. A nil or empty data gives an
// empty tape.
func NewTape(data map[string][]otelrecord.BoundaryRecord) (*Tape, error) {
	return NewNotedTape(data, nil)
}

// NewNotedTape is NewTape where unencodable names, by boundary and index of
// the call in data, the outputs recorded as null because they had no JSON
// encoding (see otelrecord.UnencodableOutputs), with the encoding error:
// Next reports it, so that such a recording never answers a call with a
// zero value.
func NewNotedTape(data map[string][]otelrecord.BoundaryRecord, unencodable map[string]map[int]string) (*Tape, error) {
	t := &Tape{byName: make(map[string]map[uint64][]*tapeGroup, len(data))}
	var errs []error
	for name, calls := range data {
		idx := make(map[uint64][]*tapeGroup, len(calls))
		for i, c := range calls {
			canon, err := canonicalJSON(c.Input)
			if err != nil {
				errs = append(errs, fmt.Errorf("tape: %s call %d: input: %w", name, i, err))
				continue
			}
			h := hashBytes(canon)
			g := findGroup(idx[h], canon)
			if g == nil {
				g = &tapeGroup{canon: canon}
				idx[h] = append(idx[h], g)
			}
			if why, ok := unencodable[name][i]; ok {
				if g.unencodable == nil {
					g.unencodable = make(map[int]string)
				}
				g.unencodable[len(g.recs)] = why
			}
			g.recs = append(g.recs, c)
			t.size++
		}
		t.byName[name] = idx
	}
	return t, errors.Join(errs...)
}

// Len returns the number of recordings the tape holds.
func (t *Tape) Len() int {
	if t == nil {
		return 0
	}
	return t.size
}

// group returns the recordings of boundary name for the canonical input, or
// nil.
func (t *Tape) group(name string, canon []byte) *tapeGroup {
	if t == nil {
		return nil
	}
	idx := t.byName[name]
	if idx == nil {
		return nil
	}
	return findGroup(idx[hashBytes(canon)], canon)
}

// findGroup returns the group in a hash bucket whose canonical input is canon;
// comparing the bytes rules out hash collisions.
func findGroup(bucket []*tapeGroup, canon []byte) *tapeGroup {
	for _, g := range bucket {
		if bytes.Equal(g.canon, canon) {
			return g
		}
	}
	return nil
}
