package otelsetup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/hivetrace/hivetrace/internal/run"
)

// The delivery settings Setup reads from the environment. Each is also an
// option of the record processor (exporter.With…), which wins over the
// environment when given with WithRecordProcessorOptions.
const (
	EnvQueueBytes      = "HIVE_QUEUE_BYTES"      // exporter.WithMaxQueueBytes
	EnvSenders         = "HIVE_SENDERS"          // exporter.WithSenders
	EnvBatchRecords    = "HIVE_BATCH_RECORDS"    // exporter.WithMaxExportBatchSize, hivesink.WithBatchRecords
	EnvBatchBytes      = "HIVE_BATCH_BYTES"      // exporter.WithMaxExportBatchBytes, hivesink.WithBatchBytes
	EnvSpoolDir        = "HIVE_SPOOL_DIR"        // exporter.WithSpool(spool.Open(dir))
	EnvSpoolBytes      = "HIVE_SPOOL_BYTES"      // spool.WithMaxBytes
	EnvShutdownTimeout = "HIVE_SHUTDOWN_TIMEOUT" // exporter.WithShutdownTimeout, and Setup's shutdown
)

// ErrInvalidSetting is wrapped by the error Setup returns when a HIVE_*
// delivery variable holds a value it cannot read.
var ErrInvalidSetting = errors.New("otelsetup: invalid setting")

// delivery is what the HIVE_* delivery variables say.
type delivery struct {
	queueBytes, batchBytes, spoolBytes int64
	senders, batchRecords              int
	spoolDir                           string
	shutdownTimeout                    time.Duration
}

// deliveryFromEnv reads the delivery variables; unset ones stay zero (the
// defaults). It reports every unreadable one at once.
func deliveryFromEnv() (delivery, error) {
	var d delivery
	var errs []error
	readBytes := func(name string, dst *int64) {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			n, err := parseBytes(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s=%q: %w", ErrInvalidSetting, name, v, err))
			}
			*dst = n
		}
	}
	readInt := func(name string, dst *int) {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%w: %s=%q: want a positive whole number", ErrInvalidSetting, name, v))
			}
			*dst = n
		}
	}
	readBytes(EnvQueueBytes, &d.queueBytes)
	readBytes(EnvBatchBytes, &d.batchBytes)
	readBytes(EnvSpoolBytes, &d.spoolBytes)
	readInt(EnvSenders, &d.senders)
	readInt(EnvBatchRecords, &d.batchRecords)
	d.spoolDir = strings.TrimSpace(os.Getenv(EnvSpoolDir))
	if v := strings.TrimSpace(os.Getenv(EnvShutdownTimeout)); v != "" {
		t, err := parseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s=%q: %w", ErrInvalidSetting, EnvShutdownTimeout, v, err))
		}
		d.shutdownTimeout = t
	}
	return d, errors.Join(errs...)
}

// processorOptions turns the settings into record processor options.
func (d delivery) processorOptions() []exporter.Option {
	var opts []exporter.Option
	if d.queueBytes > 0 {
		opts = append(opts, exporter.WithMaxQueueBytes(d.queueBytes))
	}
	if d.senders > 0 {
		opts = append(opts, exporter.WithSenders(d.senders))
	}
	if d.batchRecords > 0 {
		opts = append(opts, exporter.WithMaxExportBatchSize(d.batchRecords))
	}
	if d.batchBytes > 0 {
		opts = append(opts, exporter.WithMaxExportBatchBytes(d.batchBytes))
	}
	if d.shutdownTimeout > 0 {
		opts = append(opts, exporter.WithShutdownTimeout(d.shutdownTimeout))
	}
	return opts
}

// sinkOptions turns the settings into Hive sink options.
func (d delivery) sinkOptions() []hivesink.Option {
	var opts []hivesink.Option
	if d.batchRecords > 0 {
		opts = append(opts, hivesink.WithBatchRecords(d.batchRecords))
	}
	if d.batchBytes > 0 {
		opts = append(opts, hivesink.WithBatchBytes(d.batchBytes))
	}
	return opts
}

// openSpool opens the spool HIVE_SPOOL_DIR names; nil without one.
func (d delivery) openSpool(ctx context.Context) (*spool.Spool, error) {
	if d.spoolDir == "" {
		return nil, nil
	}
	s, err := spool.Open(ctx, d.spoolDir, spool.WithMaxBytes(d.spoolBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: %s=%q: %w", ErrInvalidSetting, EnvSpoolDir, d.spoolDir, err)
	}
	return s, nil
}

// shutdownBound returns the bound of a shutdown whose ctx has no deadline.
func (d delivery) shutdownBound() time.Duration {
	if d.shutdownTimeout > 0 {
		return d.shutdownTimeout
	}
	return exporter.DefaultShutdownTimeout
}

// parseBytes reads a size in bytes as every HIVE_*_BYTES setting is
// written (run.ParseSize): 67108864, 64MiB, 500KB.
func parseBytes(s string) (int64, error) {
	return run.ParseSize(s)
}

// parseDuration reads a Go duration ("10s", "1m30s") or, as the OTEL_*
// timeouts are written, a whole number of milliseconds.
func parseDuration(s string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration, like 10s, or a number of milliseconds")
	}
	return d, nil
}
