//go:build unix

package otelrecord

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time (user and system) the process has
// used. Benchmarks divide by it rather than by wall time, so their rates do
// not depend on how busy the machine is.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
