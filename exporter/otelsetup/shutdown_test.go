package otelsetup_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive"
)

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// TestShutdownWithEverythingDown: with Hive and the collector unreachable,
// the README's defer shutdown(context.Background()) returns within
// HIVE_SHUTDOWN_TIMEOUT, says how many records it lost, and leaves no
// goroutine behind.
func TestShutdownWithEverythingDown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cleanEnv(t)
	keepGlobals(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+deadAddr(t))
	t.Setenv(hive.EnvHost, "http://"+deadAddr(t))
	t.Setenv(hive.EnvAPIKey, "key")
	t.Setenv(hive.EnvAPISecret, "secret")
	t.Setenv(hive.EnvProjectUUID, "0193a000-0000-7000-8000-000000000001")
	t.Setenv(hive.EnvForgePath, "")
	t.Setenv(otelsetup.EnvShutdownTimeout, "1s")

	shutdown, err := otelsetup.Setup(context.Background())
	require.NoError(t, err)
	for i := range 5 {
		runTask(t, string(rune('a'+i)))
	}
	start := time.Now()
	err = shutdown(context.Background())
	elapsed := time.Since(start)
	t.Logf("shutdown took %v: %v", elapsed, err)
	assert.Less(t, elapsed, 3*time.Second, "bounded by HIVE_SHUTDOWN_TIMEOUT")
	var se *exporter.ShutdownError
	require.ErrorAs(t, err, &se, "the error counts what was lost")
	assert.Equal(t, 5, se.Undelivered)
}

// TestSetupRefusesBadDeliverySettings: an unreadable HIVE_* delivery
// variable is an error naming it, and nothing is installed.
func TestSetupRefusesBadDeliverySettings(t *testing.T) {
	cleanEnv(t)
	keepGlobals(t)
	t.Setenv(otelsetup.EnvQueueBytes, "a lot")
	shutdown, err := otelsetup.Setup(context.Background())
	require.ErrorIs(t, err, otelsetup.ErrInvalidSetting)
	assert.ErrorContains(t, err, otelsetup.EnvQueueBytes)
	assert.Nil(t, shutdown)
}
