package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests cover the pure parts of the soak; the soak itself never runs
// under go test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
