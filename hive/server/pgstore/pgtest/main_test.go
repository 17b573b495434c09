package pgtest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(pgtest.StopSharedAfter(m))
}
