package tasktest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPath is wrapped by the error about a JSON path that does not parse.
var ErrPath = errors.New("tasktest: invalid JSON path")

// step is one step of a JSON path: a member name, an index, or a wildcard.
type step struct {
	name     string
	index    int
	isIndex  bool
	wildcard bool
}

// jsonPath is a parsed JSON path.
type jsonPath struct {
	text  string
	steps []step
}

// parsePath parses $ followed by .name, .*, ['name'], ["name"], [n] and
// [*] steps.
func parsePath(text string) (*jsonPath, error) {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrPath, text, why) }
	if !strings.HasPrefix(text, "$") {
		return nil, bad("want $ first")
	}
	p := &jsonPath{text: text}
	s := text[1:]
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			name := s[:end]
			if name == "" {
				return nil, bad("empty member name")
			}
			p.steps = append(p.steps, step{name: name, wildcard: name == "*"})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, bad("unclosed [")
			}
			inner := s[1:end]
			switch {
			case inner == "*":
				p.steps = append(p.steps, step{wildcard: true, isIndex: true})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				p.steps = append(p.steps, step{name: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, bad("want [n], [*] or ['name'], got [" + inner + "]")
				}
				p.steps = append(p.steps, step{index: n, isIndex: true})
			}
			s = s[end+1:]
		default:
			return nil, bad("want . or [ after " + strings.TrimSuffix(text, s))
		}
	}
	if len(p.steps) == 0 {
		return nil, bad("the whole document cannot be ignored")
	}
	return p, nil
}

// ignored stands for an array element a path selects.
const ignored = "<ignored>"

// remove takes what p selects out of doc, a value decoded from JSON:
// members are deleted, array elements replaced by the ignored marker.
func (p *jsonPath) remove(doc any) {
	removeSteps(doc, p.steps)
}

func removeSteps(node any, steps []step) {
	st, last := steps[0], len(steps) == 1
	switch n := node.(type) {
	case map[string]any:
		if st.isIndex && !st.wildcard {
			return
		}
		for k, v := range n {
			if !st.wildcard && k != st.name {
				continue
			}
			if last {
				delete(n, k)
			} else {
				removeSteps(v, steps[1:])
			}
		}
	case []any:
		if !st.isIndex && !st.wildcard {
			return
		}
		for i, v := range n {
			if !st.wildcard && i != st.index {
				continue
			}
			if last {
				n[i] = ignored
			} else {
				removeSteps(v, steps[1:])
			}
		}
	}
}
