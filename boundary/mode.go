package boundary

import (
	"errors"
	"fmt"
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrInvalidMode is wrapped by every error about a Mode value or name that is
// not one of the four modes.
var ErrInvalidMode = errors.New("boundary: invalid mode")

// Mode is how a boundary call inside a run is answered.
type Mode int

const (
	// Proxy calls the real function and records the call. It is the zero
	// value and the safe default.
	Proxy Mode = iota
	// ProxyPass answers from the tape when it holds a recording for this
	// input that has not been used yet; otherwise it calls the real function.
	ProxyPass
	// ProxyCatch calls the real function; if the call fails and the tape holds
	// a recording for this input, it answers from the tape instead.
	ProxyCatch
	// Replay answers from the tape (the recorded output or error). When the
	// tape holds no unused recording for this input, the call fails with an
	// error wrapping ErrNoRecording; the real function is never called.
	Replay
)

var modeNames = [...]string{
	Proxy:      "proxy",
	ProxyPass:  "proxy-pass",
	ProxyCatch: "proxy-catch",
	Replay:     "replay",
}

// modeAttrs holds the precomputed hive.boundary.mode attribute of each mode.
var modeAttrs = [...]attribute.KeyValue{
	Proxy:      otelrecord.BoundaryModeKey.String(modeNames[Proxy]),
	ProxyPass:  otelrecord.BoundaryModeKey.String(modeNames[ProxyPass]),
	ProxyCatch: otelrecord.BoundaryModeKey.String(modeNames[ProxyCatch]),
	Replay:     otelrecord.BoundaryModeKey.String(modeNames[Replay]),
}

// Valid reports whether m is one of the four modes.
func (m Mode) Valid() bool { return m >= Proxy && m <= Replay }

// String returns the mode's name as DESIGN and the span convention spell it:
// "proxy", "proxy-pass", "proxy-catch" or "replay"; "Mode(n)" for an invalid
// value.
func (m Mode) String() string {
	if !m.Valid() {
		return "Mode(" + strconv.Itoa(int(m)) + ")"
	}
	return modeNames[m]
}

// ParseMode returns the mode named s. Unknown names return an error wrapping
// ErrInvalidMode.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return Proxy, fmt.Errorf("%w: %q (want proxy, proxy-pass, proxy-catch or replay)", ErrInvalidMode, s)
}

// MarshalText implements encoding.TextMarshaler. Invalid values return an
// error wrapping ErrInvalidMode.
func (m Mode) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrInvalidMode, int(m))
	}
	return []byte(modeNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using ParseMode. On error
// m is left unchanged.
func (m *Mode) UnmarshalText(text []byte) error {
	p, err := ParseMode(string(text))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

// attr returns the precomputed mode attribute.
func (m Mode) attr() attribute.KeyValue {
	if !m.Valid() {
		return otelrecord.BoundaryModeKey.String(m.String())
	}
	return modeAttrs[m]
}
