package otelrecord

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeMetrics decodes the JSON array of hive.task.metrics. The common
// shape (objects with exactly the keys type, name and value, strings without
// escapes) is read directly; anything else goes through encoding/json, so
// the result is always what json.Unmarshal gives.
func decodeMetrics(s string) ([]Metric, error) {
	if ms, ok := fastMetrics(s); ok {
		return ms, nil
	}
	var ms []Metric
	err := json.Unmarshal([]byte(s), &ms)
	return ms, err
}

// decodeMetadata decodes the JSON object of hive.task.metadata, reading
// the common shape (string values without escapes) directly, like
// decodeMetrics.
func decodeMetadata(s string) (map[string]string, error) {
	if m, ok := fastMetadata(s); ok {
		return m, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

func fastMetrics(s string) ([]Metric, bool) {
	v := jsonValidator{s: s}
	v.space()
	if v.peek() != '[' {
		return nil, false
	}
	v.i++
	v.space()
	ms := make([]Metric, 0, strings.Count(s, "{"))
	if v.peek() == ']' {
		v.i++
		v.space()
		return ms, v.i == len(s)
	}
	for {
		m, ok := v.fastMetric()
		if !ok {
			return nil, false
		}
		ms = append(ms, m)
		v.space()
		more, ok := v.more(']')
		if !ok {
			return nil, false
		}
		if !more {
			v.space()
			return ms, v.i == len(s)
		}
	}
}

func (v *jsonValidator) fastMetric() (Metric, bool) {
	var m Metric
	if v.peek() != '{' {
		return m, false
	}
	v.i++
	v.space()
	if v.peek() == '}' {
		v.i++
		return m, true
	}
	for {
		key, ok := v.simpleString()
		if !ok {
			return m, false
		}
		v.space()
		if v.peek() != ':' {
			return m, false
		}
		v.i++
		v.space()
		switch key {
		case "type":
			m.Type, ok = v.simpleString()
		case "name":
			m.Name, ok = v.simpleString()
		case "value":
			start := v.i
			if ok = v.number(); ok {
				var err error
				m.Value, err = strconv.ParseFloat(v.s[start:v.i], 64)
				ok = err == nil
			}
		default:
			ok = false
		}
		if !ok {
			return m, false
		}
		v.space()
		if more, ok := v.more('}'); !ok || !more {
			return m, ok
		}
	}
}

func fastMetadata(s string) (map[string]string, bool) {
	v := jsonValidator{s: s}
	v.space()
	if v.peek() != '{' {
		return nil, false
	}
	v.i++
	v.space()
	m := make(map[string]string, strings.Count(s, ":"))
	if v.peek() == '}' {
		v.i++
		v.space()
		return m, v.i == len(s)
	}
	for {
		key, ok := v.simpleString()
		if !ok {
			return nil, false
		}
		v.space()
		if v.peek() != ':' {
			return nil, false
		}
		v.i++
		v.space()
		val, ok := v.simpleString()
		if !ok {
			return nil, false
		}
		m[key] = val
		v.space()
		more, ok := v.more('}')
		if !ok {
			return nil, false
		}
		if !more {
			v.space()
			return m, v.i == len(s)
		}
	}
}

// simpleString reads a string that needs no unescaping (no backslash,
// valid UTF-8) and returns it without copying.
func (v *jsonValidator) simpleString() (string, bool) {
	if v.peek() != '"' {
		return "", false
	}
	start := v.i + 1
	ascii := true
	for i := start; i < len(v.s); i++ {
		switch c := v.s[i]; {
		case c == '"':
			str := v.s[start:i]
			if !ascii && !utf8.ValidString(str) {
				return "", false
			}
			v.i = i + 1
			return str, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}
