// Command bench measures hivetrace against the seven reference figures of its
// design, side by side in one run, and prints them as a table with the
// targets, the ratio measured/target and PASS or MISS:
//
//  1. a proxy-mode boundary call inside a task run, traced by the SDK with the
//     record processor (no-op exporter), against an SDK span carrying the
//     convention's attributes of that call and nothing else: at most 1.05×
//     (what hivetrace adds on top of the SDK); the ratio against a bare span
//     with two JSON attributes is printed beside it for information (1b);
//  2. the same call with the no-op TracerProvider: at most 300 ns and 6
//     allocations;
//  3. replaying a recorded run of 100 000 boundary calls: under 1 s (and
//     linear: 10 000 calls are measured too);
//  4. rebuilding records from spans on one core: at least 500 000 boundary
//     spans per second;
//  5. 1 000 000 task runs of 10 boundary calls with the SDK and the record
//     processor: the live heap grows by less than 5 MB after GC;
//  6. 10 000 runs of 5 boundary calls exported over OTLP gRPC into a real
//     Jaeger: every record rebuilt from Jaeger's query API, no span dropped;
//  7. OTLP/HTTP protobuf exports of 512 spans (runs of 3 boundary calls,
//     payloads of ~200 bytes) from 8 senders into a real hive serve on
//     SQLite, each answered once its records are stored: at least 50 000
//     boundary spans per second, beside the in-process rebuild of the same
//     spans on one core and hive serve's peak RSS.
//
// Run it with `make bench` or `go run ./bench` (flags: -quick for small
// sizes, -skip-jaeger, -cpuprofile). Figure 6 needs the Jaeger binary `make
// jaeger` builds; without it the figure is skipped. Figure 7 builds the hive
// command. The report ends with one line "N of M figures met"; with -check
// (`make bench-check`) the program exits non-zero when a figure misses its
// target. The same measurements are `go test -bench` benchmarks of this
// package.
package main
