package tasktest_test

// Run belongs in a test of the service's package, over a folder of records
// downloaded with `hive fixture download` or saved by a listener; the
// ignore rules leave out what differs on every run:
//
//	func TestOrderRecords(t *testing.T) {
//		tasktest.Run(t, newOrderTask(1), "testdata/records",
//			tasktest.Ignore("$.output.id", "$.output.createdAt", "$.output.items[*].id"))
//	}
//
// go test -update then rewrites the expected outcomes after an intended
// change. examples/records_test.go in this repository runs such a folder.
func ExampleRun() {}
