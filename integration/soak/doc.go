// Command soak measures hivetrace's record delivery under load and through
// outages, with a real `hive serve` (SQLite, and PostgreSQL for the -pg
// scenarios) and a producer process on the
// same machine, and prints a report table: scenario, load, figure, target
// and PASS or **MISS**. It exits non-zero when any figure misses.
//
// Each run of the producer makes task runs of three boundary calls whose
// records are about 1 KB, paced at a stated rate. The scenarios:
//
//   - outage: 500 runs/s with the default delivery settings while hive serve
//     is killed (SIGKILL) for 60 s and restarted on the same port and
//     database: no record may be lost; the duplicate deliveries the server
//     answered are reported (storage is idempotent by uuid).
//   - outage-otlp: the outage scenario with HIVE_TRANSPORT=otlp: the runs'
//     spans go to hive serve over OTLP and it rebuilds the records; no record
//     may be lost either.
//   - spool: the same load with HIVE_SPOOL_DIR set; hive serve is killed,
//     then, 20 s later, the producer too; a new producer on the same spool
//     directory drains it once hive serve is back: every record the spool
//     held at the kill must be in Hive. The runs made but not yet spooled at
//     the kill are reported.
//   - throughput: 10 000 runs/s for 60 s from one producer to a healthy
//     server, every record delivered in time, none dropped.
//   - latency: the p99 task-run latency during the outage against a run at
//     the same rate with a healthy server: within max(1.2×, +200 µs).
//   - ingest-pg: the batch ingest load of ingest (4 clients posting batches
//     of 500 records of ~1 KB for 20 s) against hive serve on PostgreSQL: a
//     private, durable server the harness starts (initdb, then postgres on a
//     free port of 127.0.0.1, as the postgres user when run as root); at
//     least 5 000 records/s, every one answered stored in the database.
//   - contention-pg: the contention load (40 writers, 40 readers, 60 s) over
//     two hive serve replicas on one PostgreSQL database: no failed request,
//     write p99 under 250 ms, every record answered stored in the database.
//
// Run it with `make soak`, or `cd integration && go run ./soak`. Flags:
// -quick (short outages, lower rates: the figures are then not the reference
// ones), -only NAME[,NAME] (outage, outage-otlp, spool, throughput, latency, ingest,
// contention, memory, ingest-pg, contention-pg), and the
// rates and durations of each scenario (see -help). It builds the hive
// command once, into a temporary directory, unless -hive names a binary.
//
// The program also runs as the producer: `soak produce -rate N -duration D
// -out FILE` installs the pipeline with otelsetup.Setup from the HIVE_*
// environment (no span or metric exporter) and writes one line per run:
// the record's uuid, the run's start (Unix nanoseconds) and its latency.
//
// Everything listens on 127.0.0.1; the harness puts a proxy of its own in
// front of hive serve, counting the ingest answers per record uuid, and
// closing the producer's connections without an answer while hive serve is
// down, as a dead server would. Every child process is killed when the
// program ends, Ctrl-C included. The soak never runs under `go test`: the
// tests of this package cover its pure parts.
package main
