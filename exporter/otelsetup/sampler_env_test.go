package otelsetup

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestSamplerFromEnv(t *testing.T) {
	tests := []struct {
		sampler, arg string
		want         sdktrace.Sampler
	}{
		{"", "", sdktrace.ParentBased(sdktrace.AlwaysSample())},
		{"parentbased_always_on", "", sdktrace.ParentBased(sdktrace.AlwaysSample())},
		{" ParentBased_Always_Off ", "", sdktrace.ParentBased(sdktrace.NeverSample())},
		{"always_on", "", sdktrace.AlwaysSample()},
		{"always_off", "", sdktrace.NeverSample()},
		{"traceidratio", "", sdktrace.TraceIDRatioBased(1)},
		{"traceidratio", "0", sdktrace.TraceIDRatioBased(0)},
		{"traceidratio", " 0.25 ", sdktrace.TraceIDRatioBased(0.25)},
		{"parentbased_traceidratio", "0.5", sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.5))},
		{"always_on", "ignored", sdktrace.AlwaysSample()},
	}
	for _, tt := range tests {
		t.Run(tt.sampler+"/"+tt.arg, func(t *testing.T) {
			t.Setenv(envTracesSampler, tt.sampler)
			t.Setenv(envTracesSamplerArg, tt.arg)
			got, err := samplerFromEnv()
			require.NoError(t, err)
			assert.Equal(t, tt.want.Description(), got.Description())
		})
	}
}

func TestSamplerFromEnvInvalid(t *testing.T) {
	tests := []struct{ sampler, arg string }{
		{"jaeger_remote", ""},
		{"sometimes", ""},
		{"traceidratio", "half"},
		{"traceidratio", "1.5"},
		{"parentbased_traceidratio", "-0.1"},
		{"traceidratio", "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.sampler+"/"+tt.arg, func(t *testing.T) {
			t.Setenv(envTracesSampler, tt.sampler)
			t.Setenv(envTracesSamplerArg, tt.arg)
			_, err := samplerFromEnv()
			require.ErrorIs(t, err, ErrInvalidSampler)
		})
	}
}

func FuzzSamplerFromEnv(f *testing.F) {
	f.Add("traceidratio", "0.5")
	f.Add("parentbased_always_off", "")
	f.Add("always_on", "NaN")
	f.Fuzz(func(t *testing.T, sampler, arg string) {
		if strings.ContainsRune(sampler, 0) || strings.ContainsRune(arg, 0) {
			t.Skip("environment values cannot hold NUL")
		}
		t.Setenv(envTracesSampler, sampler)
		t.Setenv(envTracesSamplerArg, arg)
		s, err := samplerFromEnv()
		if (s == nil) == (err == nil) {
			t.Fatalf("sampler %v and error %v: exactly one must be set", s, err)
		}
	})
}
