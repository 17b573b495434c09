package main

import (
	"testing"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/tasktest"
)

// TestReportRecords replays the records of real runs in testdata/records
// (a bare record, a Hive SDK envelope, fixtures bare and wrapped, one of a
// failing run) with every boundary answered from the record: the task
// must still produce each recorded outcome. After an intended change, go
// test -run TestReportRecords -update rewrites the expected outcomes.
func TestReportRecords(t *testing.T) {
	s := shop.New(shop.Deps{}) // no database, no profile API: nothing real is reached
	tasktest.Run(t, s.Report, "testdata/records")
}
