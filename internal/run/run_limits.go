package run

import (
	"fmt"
	"os"
	"strconv"
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
// HIVE_MAX_RUN_BYTES when set and valid, otherwise DefaultMaxRunCalls and
// DefaultMaxRunBytes. The environment is read once, at the first call; an
// invalid value is reported once through Handle and ignored.
var RunLimits = sync.OnceValue(func() Limits {
	calls, err := parseIntSetting(EnvMaxRunCalls, DefaultMaxRunCalls)
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	bytes, err := parseIntSetting(EnvMaxRunBytes, DefaultMaxRunBytes)
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	return Limits{Calls: calls, Bytes: int64(bytes)}
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
