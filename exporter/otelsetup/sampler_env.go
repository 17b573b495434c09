package otelsetup

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ErrInvalidSampler is wrapped by the error Setup returns when
// OTEL_TRACES_SAMPLER or OTEL_TRACES_SAMPLER_ARG holds a value it does not
// support.
var ErrInvalidSampler = errors.New("exporter: invalid sampler configuration")

// Environment variables of the sampler (OTel SDK environment variable
// specification).
const (
	envTracesSampler    = "OTEL_TRACES_SAMPLER"
	envTracesSamplerArg = "OTEL_TRACES_SAMPLER_ARG"
)

// samplerFromEnv returns the sampler OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG describe: always_on, always_off, traceidratio,
// parentbased_always_on (the default when unset), parentbased_always_off or
// parentbased_traceidratio. A ratio argument must be a number in [0, 1]; it
// defaults to 1. The SDK reads the same variables but does not export its
// parser, so Setup, which wraps the sampler, parses them here.
func samplerFromEnv() (sdktrace.Sampler, error) {
	name := strings.ToLower(strings.TrimSpace(os.Getenv(envTracesSampler)))
	arg := strings.TrimSpace(os.Getenv(envTracesSamplerArg))
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(r >= 0 && r <= 1) { // NaN fails both
			return 0, fmt.Errorf("%w: %s=%q is not a ratio in [0, 1]", ErrInvalidSampler, envTracesSamplerArg, arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.TraceIDRatioBased(r), nil
	case "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	default:
		return nil, fmt.Errorf("%w: %s=%q is not supported", ErrInvalidSampler, envTracesSampler, name)
	}
}
