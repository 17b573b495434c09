package tasktest

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// maxShown bounds the text of one value in a difference line.
const maxShown = 200

// diff returns one line per path where want (recorded) and got (replayed),
// values decoded from JSON with UseNumber, differ.
func diff(want, got any) []string {
	var lines []string
	walk("$", want, got, &lines)
	return lines
}

func walk(path string, want, got any, lines *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			p := memberPath(path, k)
			switch {
			case !inG:
				*lines = append(*lines, fmt.Sprintf("%s: recorded %s, replayed nothing", p, show(wv)))
			case !inW:
				*lines = append(*lines, fmt.Sprintf("%s: recorded nothing, replayed %s", p, show(gv)))
			default:
				walk(p, wv, gv, lines)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := range max(len(w), len(g)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(g):
				*lines = append(*lines, fmt.Sprintf("%s: recorded %s, replayed nothing (%d elements, not %d)", p, show(w[i]), len(g), len(w)))
			case i >= len(w):
				*lines = append(*lines, fmt.Sprintf("%s: recorded nothing, replayed %s (%d elements, not %d)", p, show(g[i]), len(g), len(w)))
			default:
				walk(p, w[i], g[i], lines)
			}
		}
		return
	}
	if !equalScalar(want, got) {
		*lines = append(*lines, fmt.Sprintf("%s: recorded %s, replayed %s", path, show(want), show(got)))
	}
}

// equalScalar compares two values that are not both objects or both
// arrays; numbers by value (20 equals 20.0).
func equalScalar(a, b any) bool {
	if an, ok := a.(json.Number); ok {
		bn, ok := b.(json.Number)
		if !ok {
			return false
		}
		af, aok := new(big.Float).SetString(an.String())
		bf, bok := new(big.Float).SetString(bn.String())
		if aok && bok {
			return af.Cmp(bf) == 0
		}
		return an == bn
	}
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

// memberPath appends member k to path, bracketed when it is not a plain
// name.
func memberPath(path, k string) string {
	plain := k != ""
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + k
	}
	return path + "[" + strconv.Quote(k) + "]"
}

// show is a value as compact JSON, cut to maxShown characters.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > maxShown {
		s = s[:maxShown] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
