package tally

// Tally counts keys and gives each distinct key an index, in the order keys
// first appear. Groupings usually hold few keys, often seen one after the
// other: the last key is checked first, then a short list, and a map only
// once there are more than ListMax keys. The zero value is an empty tally.
// A Tally is not safe for concurrent use.
type Tally[K comparable] struct {
	keys   []K
	counts []int
	last   int       // index of the last key added
	index  map[K]int // index by key, once there are more than ListMax keys
}

// ListMax is the number of keys a Tally searches in order before it builds a
// map.
const ListMax = 16

// Add counts one occurrence of k and returns k's index.
func (t *Tally[K]) Add(k K) int {
	if i := t.last; i < len(t.keys) && t.keys[i] == k {
		t.counts[i]++
		return i
	}
	i := t.Index(k)
	if i < 0 {
		i = t.insert(k)
	}
	t.last = i
	t.counts[i]++
	return i
}

// insert appends k, a new key, with a count of 0 and returns its index.
func (t *Tally[K]) insert(k K) int {
	i := len(t.keys)
	t.keys = append(t.keys, k)
	t.counts = append(t.counts, 0)
	switch {
	case t.index != nil:
		t.index[k] = i
	case len(t.keys) > ListMax:
		t.index = make(map[K]int, 2*len(t.keys))
		for j, key := range t.keys {
			t.index[key] = j
		}
	}
	return i
}

// Index returns the index of k, or -1 when k was never added.
func (t *Tally[K]) Index(k K) int {
	if t.index != nil {
		if i, ok := t.index[k]; ok {
			return i
		}
		return -1
	}
	for i, key := range t.keys {
		if key == k {
			return i
		}
	}
	return -1
}

// Reset empties the tally and keeps the memory of its lists, so a tally
// reused from one grouping to the next allocates only when it meets more keys
// than before. It drops its references to the keys.
func (t *Tally[K]) Reset() {
	clear(t.keys)
	t.keys, t.counts, t.last, t.index = t.keys[:0], t.counts[:0], 0, nil
}

// Len returns the number of distinct keys.
func (t *Tally[K]) Len() int { return len(t.keys) }

// Keys returns the distinct keys by index. The slice is the tally's own:
// the caller must not modify it, and it is valid until the next Add.
func (t *Tally[K]) Keys() []K { return t.keys }

// Counts returns the count of each key by index. The slice is the tally's
// own: the caller must not modify it, and it is valid until the next Add.
func (t *Tally[K]) Counts() []int { return t.counts }
