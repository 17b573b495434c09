package main

import (
	"flag"
	"fmt"
	"io"
)

const mainUsage = `hive runs a local Hive-compatible server, reads the execution records it stores,
and rebuilds records from the traces Jaeger keeps.

Usage:
  hive serve [flags]           serve the Hive API, storing records in a SQLite file
                               or a PostgreSQL database
  hive tasks list              list the tasks with their runs, errors, p50/p95 and last run
  hive logs list --task NAME   list a task's records, newest first (--type, --since,
                               --until, --min-quality filter them; --all follows the pages)
  hive logs show TASK UUID     print a record and a timing table of its boundary calls
  hive fixture download UUID   write a stored record as a forge fixture (JSON) to stdout or -o FILE
  hive rebuild --trace ID      rebuild the records of a trace kept in Jaeger; print or --send them
  hive rebuild --service NAME --since 2h
                               the same for every trace of a service in a time range
  hive version                 print the version, VCS revision and Go version (also --version)
  hive help [command]          show the help of a command

Environment:
  HIVE_API_KEY, HIVE_API_SECRET  credentials (serve: the ones clients must present;
                                 logs and rebuild --send: the ones presented to the server)
  HIVE_API_SECRET_FILE           file holding the API secret, when HIVE_API_SECRET is not set
  HIVE_HOST                      server the tasks, logs and rebuild commands talk to (default ` + defaultHost + `)
  HIVE_PROJECT_UUID              project the tasks and logs commands are scoped to (default: all),
                                 and the project rebuild --send stores records in
  HIVE_DATABASE_URL              database of serve when --db is not given (a postgres://
                                 URL keeps its password out of the process list)

Times (--since, --until) are RFC 3339 times or durations before now (90m, 2h,
7d). The read commands write JSON with --json. A failure prints one line on
stderr and exits with status 1; a wrong command line exits with status 2.
Flags given on the command line override the environment. The API secret is
never a flag value, which anyone who can list processes could read: it comes
from HIVE_API_SECRET or from a file (--api-secret-file PATH or
HIVE_API_SECRET_FILE), and --api-secret is refused.
Run "hive <command> --help" for the flags of a command.
`

const serveUsage = `Usage: hive serve [flags]

Serves the Hive API (log ingest, batch log ingest at POST /api/log-ingest/batch,
record lookup and listing, projects, invoke) on --addr, storing everything in
the database --db names (records survive restarts). It prints the URL it
listens on and the database (any password masked), and shuts down gracefully
on SIGINT or SIGTERM.

The database is a SQLite file (created when missing), or a PostgreSQL
database given as a URL: postgres://user@host:5432/hive?sslmode=disable
(postgresql:// too). Without --db, HIVE_DATABASE_URL names it, which keeps a
password out of the process list; --db wins when both are given, with a
warning, and a password in --db is warned about. Several hive serve replicas
can share one PostgreSQL database (or one SQLite file on one machine): a
record ingested on one is read, listed and scored on every other, ingest
stays idempotent across them, and the OTLP spans of one run may reach
different replicas.

Every request must carry "Authorization: Bearer <apiKey>:<apiSecret>". The
key comes from --api-key or HIVE_API_KEY, the secret from the file
--api-secret-file names, HIVE_API_SECRET, or the file HIVE_API_SECRET_FILE
names (never from a flag value: --api-secret is refused). Without credentials
the server refuses to start unless --insecure-no-auth is given, which accepts
every request (for throwaway local use only).

Failed authentication attempts are throttled: after --auth-max-failures
failures within --auth-window from one remote address, or naming one API key,
that address or key is answered 429 with Retry-After for --auth-block, even
with the correct credentials. The address is the connection's IP, never
X-Forwarded-For: behind a reverse proxy, every client shares the proxy's.
--auth-max-failures 0 turns the throttling off.

A request body over --max-body-bytes, or a record over --max-record-bytes, is
answered 413 with the limits in the Hive-Max-Body-Bytes and
Hive-Max-Record-Bytes headers; in a batch, a record over the limit fails alone.
Request bodies in flight share --body-budget: a request the budget cannot
cover is answered 503 with Retry-After, its body unread. A listing page ends
at 100 records or once its records reach --max-list-bytes ("next" continues
it), and is streamed record by record. A request must arrive whole within
--read-timeout and be answered within --write-timeout, or its connection is
closed (slow clients cannot hold the server).

The records UI is served at /ui/ on the same address (/ redirects there):
tasks with their statistics, a task's records with filters, and each record
with the timeline of its boundary calls and a form to score it. It accepts
the API's Bearer credentials or a signed session cookie set by its login
page (--ui-session-key-file or HIVE_UI_SESSION_KEY signs it, else a key
derived from the API secret: replicas sharing either accept each other's
cookies). --trace-url links a record to its trace, --ui-service-name names
the program of the replay command it shows, and --ui-secure-cookie marks the
cookie Secure behind a proxy that terminates TLS.

Register a task for invoke with POST /api/projects/{projectUuid}/sync and a
body like {"tasks":[{"name":"myTask","invokeUrl":"http://127.0.0.1:8081/myTask"}]}.

Flags:
`

const logsUsage = `Usage:
  hive logs list --task NAME [--type success|error] [--since T] [--until T]
                 [--min-quality S] [--limit N] [--before CURSOR | --all] [--json]
  hive logs show TASK UUID [--json]

Reads records from a Hive server (HIVE_HOST or --host), presenting the key
from --api-key or HIVE_API_KEY and the secret from --api-secret-file,
HIVE_API_SECRET or HIVE_API_SECRET_FILE. Run "hive logs list --help" or
"hive logs show --help" for the flags.
`

const listUsage = `Usage: hive logs list --task NAME [flags]

Lists a task's records, newest first: when the server stored each one, its
uuid, outcome, duration, quality score and project. When more records exist,
the last line gives the command for the next page (the same filters, a range
given as durations fixed to the times it stood for); --all follows the pages
to the last instead, with a progress line on stderr when it is a terminal.

--type keeps the records of one outcome (success or error); --since and
--until keep the runs started in a range (RFC 3339 times, or durations before
now: 90m, 2h, 7d), a run starting at its record's timing.startTime or when the
server stored it; --min-quality keeps the records scored at least that much
(unscored records are left out).

With --json each record is written as one line of JSON:
{"uuid","taskName","projectName","projectUuid","createdAt","replayFrom",
"quality","logItem"}, and the next page's command goes to stderr.

Flags:
`

const showUsage = `Usage: hive logs show [flags] TASK UUID

Prints a stored record as indented JSON, then a timing table of its boundary calls:
the boundary, the call number, its start in milliseconds from the start of the
run, its duration in milliseconds, and its outcome. With --json it prints the
record only.

Flags:
`

const versionUsage = `Usage: hive version (or hive --version)

Prints the version of hive, then the module, VCS revision and time the binary
was built from (when the build recorded them) and the Go version.
`

// printUsage writes a command's text and its flags.
func printUsage(w io.Writer, text string, fs *flag.FlagSet) {
	fmt.Fprint(w, text)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

const rebuildUsage = `Usage:
  hive rebuild --trace TRACE_ID [flags]
  hive rebuild --service NAME --since TIME [--until TIME] [flags]

Fetches each trace from Jaeger's query API (GET /api/v3/traces/{traceID} on
--jaeger), rebuilds the execution record of every task run in it from its
spans, and prints each record as indented JSON with the timing table of its
boundary calls (or, with --json, one line of JSON per record).

With --service it rebuilds every trace holding a span of the service that
starts between --since and --until (RFC 3339 times, or durations before now:
--since 2h is two hours ago; --until defaults to now), found with
GET /api/v3/traces?query.service_name=…. Jaeger answers at most --limit traces
a query, so the range is read in windows: one whose answer holds the limit is
split in halves read again, down to a millisecond; a window still full then is
reported, as traces there may be missed. A trace spanning windows is rebuilt
once, fetched whole by id. Traces without a task run are counted and passed
over. On a terminal a line shows the progress; a summary line ends the output
on stderr (traces read, records rebuilt, incomplete, and with --send records
sent and already stored).

With --send the records go to the Hive server (--host or HIVE_HOST, with the
credentials of the logs commands: --api-key or HIVE_API_KEY, and
--api-secret-file, HIVE_API_SECRET or HIVE_API_SECRET_FILE; and the project
from --project or HIVE_PROJECT_UUID) instead of being printed; ingest is idempotent by record
uuid, so sending twice stores a record once: a record the server holds
already is not sent again, and is reported as already stored.

A record whose spans are not all in Jaeger is still rebuilt, marked incomplete
in its metadata, with a warning. The exit status is 1 when a trace or a window
cannot be read, a trace given with --trace holds no task run, or a record
cannot be sent.

Flags:
`
