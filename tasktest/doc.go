// Package tasktest turns production records into Go tests. Every record of
// a run holds its input, its outcome and every boundary call it made, so a
// folder of records (the files `hive fixture download` writes, records a
// listener saved, runner replay --file inputs) is a regression suite with
// its mocks included:
//
//	func TestReportRecords(t *testing.T) {
//		s := shop.New(shop.Deps{}) // no real dependency: replays never reach one
//		tasktest.Run(t, s.Report, "testdata/records",
//			tasktest.Ignore("$.output.createdAt", "$.output.items[*].id"))
//	}
//
// Run replays each file as a subtest: the task runs on the recorded input
// with every boundary in replay mode (answered from the record, so nothing
// reaches the network or a database), and its outcome (type, output or
// error) is compared with the recorded one. A difference fails the subtest
// with one line per differing JSON path. Fields that legitimately differ
// between runs, such as times and generated ids, are left out of the
// comparison by JSON path rules (Ignore).
//
// After an intended change, go test -update rewrites the expected outcome
// of each differing file in place, in the file's own shape, keeping its
// other members. The package registers the -update flag, as golden-file
// packages do; a test package using it must not register its own.
//
// Files are JSON: a bare execution record, the Hive SDK's envelope
// ({"uuid","taskName",…,"logItem"}) or a Forge fixture (bare or under
// "fixture"), as runner's replay --file reads them.
package tasktest
