package run

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Names of the environment variables of the payload capture policy
// (task.EnvRedactKeys, task.EnvCapturePayloads).
const (
	EnvRedactKeys      = "HIVE_REDACT_KEYS"
	EnvCapturePayloads = "HIVE_CAPTURE_PAYLOADS"
)

// CapturePolicy returns the payload capture policy of the environment: the
// comma-separated keys of HIVE_REDACT_KEYS added to the default list, and
// payloads omitted when HIVE_CAPTURE_PAYLOADS is false (any value
// strconv.ParseBool reads). The environment is read once, at the first call;
// an invalid HIVE_CAPTURE_PAYLOADS is reported once through Handle and
// ignored (payloads are captured). The caller must not modify the result's
// Keys.
var CapturePolicy = sync.OnceValue(func() otelrecord.RedactPolicy {
	capture, set := os.LookupEnv(EnvCapturePayloads)
	p, err := parseCapturePolicy(os.Getenv(EnvRedactKeys), capture, set)
	if err != nil {
		Handle(reasonInvalidSetting, err)
	}
	return p
})

// DefaultRedactor returns the Redactor of CapturePolicy: the one of boundary
// calls made outside any run, and of tasks without redaction options.
var DefaultRedactor = sync.OnceValue(func() *otelrecord.Redactor {
	return otelrecord.NewRedactor(CapturePolicy())
})

// parseCapturePolicy reads the values of HIVE_REDACT_KEYS and
// HIVE_CAPTURE_PAYLOADS (set says whether the latter is set at all).
func parseCapturePolicy(keys, capture string, set bool) (otelrecord.RedactPolicy, error) {
	var p otelrecord.RedactPolicy
	for k := range strings.SplitSeq(keys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			p.Keys = append(p.Keys, k)
		}
	}
	if !set || capture == "" {
		return p, nil
	}
	on, err := strconv.ParseBool(capture)
	if err != nil {
		return p, fmt.Errorf("ignoring %s=%q: %w", EnvCapturePayloads, capture, err)
	}
	p.OmitPayloads = !on
	return p, nil
}
