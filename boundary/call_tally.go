package boundary

// callTally counts a run's calls by boundary name as they begin, so that the
// record's lists can be allocated at their size without a counting pass.
// Runs call few boundaries, usually one after the other: the last name is
// checked first, then a short list, or a map once there are many names. Not
// safe for concurrent use (Run guards it with its mutex).
type callTally struct {
	names  []string
	counts []int
	last   int            // index of the last name counted
	byName map[string]int // index by name, past tallyListMax names
}

// tallyListMax is the number of names searched in order before a map is
// built.
const tallyListMax = 16

// add counts one call of the boundary name and returns the name's index.
func (t *callTally) add(name string) int {
	if i := t.last; i < len(t.names) && t.names[i] == name {
		t.counts[i]++
		return i
	}
	t.last = t.index(name)
	if t.last < 0 {
		t.last = len(t.names)
		t.names = append(t.names, name)
		t.counts = append(t.counts, 0)
		switch {
		case t.byName != nil:
			t.byName[name] = t.last
		case len(t.names) > tallyListMax:
			t.byName = make(map[string]int, 2*len(t.names))
			for i, n := range t.names {
				t.byName[n] = i
			}
		}
	}
	t.counts[t.last]++
	return t.last
}

// index returns the position of name in t.names, or -1.
func (t *callTally) index(name string) int {
	if t.byName != nil {
		if i, ok := t.byName[name]; ok {
			return i
		}
		return -1
	}
	for i, n := range t.names {
		if n == name {
			return i
		}
	}
	return -1
}
