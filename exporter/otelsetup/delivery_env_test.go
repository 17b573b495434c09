package otelsetup

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "64MiB": 64 << 20, "500KB": 500_000, "1 GiB": 1 << 30, "2GB": 2e9, "10B": 10} {
		got, err := parseBytes(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "-5", "1.5MiB", "lots", "MiB", "9999999999GiB"} {
		_, err := parseBytes(in)
		assert.Error(t, err, in)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"10s": 10 * time.Second, "1500": 1500 * time.Millisecond, "1m30s": 90 * time.Second} {
		got, err := parseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"0", "-1s", "soon"} {
		_, err := parseDuration(in)
		assert.Error(t, err, in)
	}
}

func TestDeliveryFromEnv(t *testing.T) {
	t.Setenv(EnvQueueBytes, "32MiB")
	t.Setenv(EnvSenders, "8")
	t.Setenv(EnvBatchRecords, "200")
	t.Setenv(EnvBatchBytes, "1MiB")
	t.Setenv(EnvSpoolDir, " /var/spool/hive ")
	t.Setenv(EnvSpoolBytes, "2GiB")
	t.Setenv(EnvShutdownTimeout, "3s")
	d, err := deliveryFromEnv()
	require.NoError(t, err)
	assert.Equal(t, delivery{queueBytes: 32 << 20, batchBytes: 1 << 20, spoolBytes: 2 << 30, senders: 8,
		batchRecords: 200, spoolDir: "/var/spool/hive", shutdownTimeout: 3 * time.Second}, d)
	assert.Len(t, d.processorOptions(), 5)
	assert.Len(t, d.sinkOptions(), 2)
	assert.Equal(t, 3*time.Second, d.shutdownBound())
}

func TestDeliveryFromEnvReportsEveryBadValue(t *testing.T) {
	for _, k := range []string{EnvQueueBytes, EnvSenders, EnvBatchRecords, EnvBatchBytes, EnvSpoolDir, EnvSpoolBytes, EnvShutdownTimeout} {
		t.Setenv(k, "")
	}
	t.Setenv(EnvSenders, "many")
	t.Setenv(EnvQueueBytes, "-1")
	t.Setenv(EnvShutdownTimeout, "never")
	_, err := deliveryFromEnv()
	require.ErrorIs(t, err, ErrInvalidSetting)
	for _, name := range []string{EnvSenders, EnvQueueBytes, EnvShutdownTimeout} {
		assert.ErrorContains(t, err, name)
	}
	d, err := deliveryFromEnv()
	_ = d
	assert.Error(t, err)
	t.Setenv(EnvSenders, "")
	t.Setenv(EnvQueueBytes, "")
	t.Setenv(EnvShutdownTimeout, "")
	d, err = deliveryFromEnv()
	require.NoError(t, err)
	assert.Equal(t, delivery{}, d, "unset: the defaults")
	assert.Empty(t, d.processorOptions())
	assert.Equal(t, 10*time.Second, d.shutdownBound())
}
