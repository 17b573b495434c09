// Package hive talks to a Forge Hive server (the hosted service or the local
// server in package hive/server): it sends execution records, reads them
// back, scores them, checks a configuration and invokes remote tasks.
//
// Two clients share one Config:
//
//   - LogClient sends records to POST /api/log-ingest (SendLog) or, several
//     in one request, to this project's POST /api/log-ingest/batch
//     (SendLogs, which fails with ErrNoBatchRoute against servers without
//     it), reads them back (GetLog, ListLogs with filters), lists the tasks
//     with the counts and durations of their runs (ListTasks), scores them
//     (SetQuality) and checks the configuration against the server
//     (TestConfig). Without credentials it is in silent mode: it never
//     touches the network and SendLog returns ErrSilent.
//   - Client invokes a task registered on the server (Invoke).
//
// Empty Config fields fall back to environment variables:
//
//	HIVE_API_KEY       the API key (Config.APIKey)
//	HIVE_API_SECRET    the API secret (Config.APISecret)
//	HIVE_HOST          the server's base URL (Config.Host), else DefaultHost
//	HIVE_PROJECT_NAME  the project name (Config.ProjectName), else forge.json's
//	HIVE_PROJECT_UUID  the project uuid (Config.ProjectUUID), else forge.json's
//	HIVE_FORGE_PATH    the forge.json file (Config.ForgePath)
//
// A forge.json file (LoadForge) maps task names to the uuids the server knows
// them by.
//
// Delivering the records of a running program: with an OpenTelemetry record
// processor (package exporter), the processor holds the one queue and
// hivesink.Sink sends each batch synchronously through a LogClient, retrying
// within the export's context; otelsetup.Setup builds that sink from these
// variables alone when HIVE_API_KEY is set and no sink is given. Without a
// processor, LogClient.Listener plugs a client into task listeners: it queues
// records in memory without ever blocking the run, sends them from one
// goroutine and retries network errors, 5xx and 429 answers with exponential
// backoff and jitter, so an outage of the server loses nothing that fits in
// the queue. Ingest is idempotent by record uuid on the server, and both give
// a record its uuid before the first attempt, so a retry never duplicates a
// record.
//
// Every failure is an error value that wraps one of the package's sentinel
// errors (ErrUnauthorized, ErrNotFound, ErrServer, ErrNetwork, …), so callers
// tell them apart with errors.Is; *APIError carries the HTTP status and the
// server's message.
package hive
