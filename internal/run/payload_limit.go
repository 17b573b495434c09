package run

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// EnvMaxPayloadBytes names the environment variable that sets the default
// payload limit of span attributes (task.EnvMaxPayloadBytes).
const EnvMaxPayloadBytes = "HIVE_MAX_PAYLOAD_BYTES"

// PayloadLimit returns the default limit on the payload JSON written to span
// attributes: the integer in HIVE_MAX_PAYLOAD_BYTES when it is set and valid,
// otherwise otelrecord.DefaultMaxPayloadBytes. The value follows the one rule
// of payload limits (otelrecord.Truncate): n <= 0 means no limit.
//
// The environment is read once, at the first call, and the result kept for
// the life of the process; an invalid value is reported once through Handle.
var PayloadLimit = sync.OnceValue(func() int {
	n, err := parsePayloadLimit(os.LookupEnv(EnvMaxPayloadBytes))
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	return n
})

// parsePayloadLimit reads the value of HIVE_MAX_PAYLOAD_BYTES (set says
// whether it is set at all). An unset or empty value gives the default; an
// invalid one gives the default and an error.
func parsePayloadLimit(v string, set bool) (int, error) {
	if !set || v == "" {
		return otelrecord.DefaultMaxPayloadBytes, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return otelrecord.DefaultMaxPayloadBytes, fmt.Errorf("ignoring %s=%q: %w", EnvMaxPayloadBytes, v, err)
	}
	return n, nil
}
