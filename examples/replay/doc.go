// Command replay reproduces a run locally from its record: the workflow
// for debugging a failure seen in production. It is the runner (package
// runner) of the example service's task, in a few lines:
//
//	HIVE_HOST=http://127.0.0.1:8080 HIVE_API_KEY=… HIVE_API_SECRET=… \
//	  go run ./examples/replay replay getUserReport --uuid 0193…
//	HIVE_JAEGER_URL=http://127.0.0.1:16686 \
//	  go run ./examples/replay replay getUserReport --trace 4bf92f35…
//	go run ./examples/replay replay getUserReport --file fixture.json
//
// It reads the record (from Hive, rebuilt from the run's trace in Jaeger,
// or from a file), runs the same task again from it with every declared
// boundary in replay mode, so nothing reaches the network or the database,
// and prints the original outcome next to the replayed one. The exit
// status is 0 when they agree, 1 when they differ (the code no longer
// behaves as it did) or on errors, 2 on usage errors.
//
// The task it knows is the one of examples/internal/shop, the one the
// example service runs; a real service gets the same commands from its own
// binary (see examples/service).
package main
