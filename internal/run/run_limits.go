package run

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Names of the environment variables that set the default bounds of a run
// (task.EnvMaxRunCalls, task.EnvMaxRunBytes).
const (
	EnvMaxRunCalls = "HIVE_MAX_RUN_CALLS"
	EnvMaxRunBytes = "HIVE_MAX_RUN_BYTES"
)

// Default bounds of a run.
const (
	// DefaultMaxRunCalls is the default number of boundary calls a run keeps
	// in its record.
	DefaultMaxRunCalls = 100_000
	// DefaultMaxRunBytes is the default number of payload bytes (call
	// inputs, outputs and error messages) a run keeps in its record: 64 MiB.
	DefaultMaxRunBytes = 64 << 20
)

// Limits bounds what a run keeps in its record, by the rule of payload
// limits: a bound n > 0 applies, n <= 0 means no bound.
type Limits struct {
	// Calls bounds the boundary calls kept.
	Calls int
	// Bytes bounds the payload bytes kept.
	Bytes int64
}

// RunLimits returns the default bounds of a run: HIVE_MAX_RUN_CALLS and
// HIVE_MAX_RUN_BYTES (an integer, or a size such as 64MiB: see parseSize)
// when set and valid, otherwise DefaultMaxRunCalls and DefaultMaxRunBytes. The environment is read once, at the first call; an
// invalid value is reported once through Handle and ignored.
var RunLimits = sync.OnceValue(func() Limits {
	calls, err := parseIntSetting(EnvMaxRunCalls, DefaultMaxRunCalls)
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	v, set := os.LookupEnv(EnvMaxRunBytes)
	bytes, err := parseSize(EnvMaxRunBytes, v, set, DefaultMaxRunBytes)
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	return Limits{Calls: calls, Bytes: bytes}
})

// parseIntSetting reads the integer in the environment variable name: def
// when it is unset or empty, def and an error when it is not an integer.
func parseIntSetting(name string, def int) (int, error) {
	v, set := os.LookupEnv(name)
	return parseInt(name, v, set, def)
}

// parseInt reads v, the value of the environment variable name (set says
// whether it is set at all), as parseIntSetting does.
func parseInt(name, v string, set bool, def int) (int, error) {
	if !set || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("ignoring %s=%q: %w", name, v, err)
	}
	return n, nil
}

// sizeUnits are the units ParseSize reads, longest suffixes first.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

// ErrSize is wrapped by the errors of ParseSize.
var ErrSize = errors.New("want a positive number of bytes, like 67108864, 64MiB or 500KB")

// ParseSize reads a positive size in bytes, as the HIVE_*_BYTES settings
// are written: a whole number with an optional unit, KB, MB, GB (powers of
// 1000) or KiB, MiB, GiB (powers of 1024). Anything else, zero, a negative
// number or a size past 2⁶² bytes, is an error wrapping ErrSize.
func ParseSize(s string) (int64, error) {
	s, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, ErrSize
	}
	return n * mult, nil
}

// parseSize reads v, the value of the environment variable name (set says
// whether it is set at all), as a number of bytes: an integer (n <= 0: no
// bound, the rule of payload limits) or a size ParseSize reads. Unset or
// empty gives def; invalid gives def and an error.
func parseSize(name, v string, set bool, def int64) (int64, error) {
	if !set || v == "" {
		return def, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	n, err := ParseSize(v)
	if err != nil {
		return def, fmt.Errorf("ignoring %s=%q: %w", name, v, err)
	}
	return n, nil
}
