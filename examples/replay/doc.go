// Command replay reproduces a run locally from its record in Hive: the
// workflow for debugging a failure seen in production.
//
//	HIVE_HOST=http://127.0.0.1:8080 HIVE_API_KEY=… HIVE_API_SECRET=… \
//	  go run ./examples/replay --task getUserReport --uuid 0193…
//
// It fetches the record (LogClient.GetLog), runs the same task again from it
// with every declared boundary in replay mode (Task.SafeReplay), so nothing
// reaches the network or the database, and prints the original outcome next
// to the replayed one. The exit status is 0 when they agree, 3 when they
// differ (the code no longer behaves as it did), 1 on errors.
//
// The tasks it knows are those of examples/internal/shop, the ones the example
// service runs; a real program registers its own tasks the same way.
package main
