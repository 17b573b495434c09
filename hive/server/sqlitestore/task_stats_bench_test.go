package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

// BenchmarkTaskStats measures Store.TaskStats and filtered listings over
// storetest.StatsRecords records (storetest.FillStats).
func BenchmarkTaskStats(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "hive.db"))
	b.Cleanup(func() { _ = s.Close() })
	storetest.BenchmarkTaskStats(b, s, storetest.FillStats(b, s))
}
