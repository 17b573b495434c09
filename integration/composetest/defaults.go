package composetest

import "time"

// The values the deployment files must agree with. Each names where in the
// code the same value lives.
const (
	// HivePort is the port of `hive serve`'s default address,
	// HiveDefaultAddr (cmd/hive).
	HivePort = 8080
	// HiveDefaultAddr is `hive serve`'s default --addr (cmd/hive). In a
	// container the server must listen on every interface instead:
	// "0.0.0.0:" + HivePort.
	HiveDefaultAddr = "127.0.0.1:8080"
	// HiveDataDir is where the Hive image keeps its SQLite database by
	// default (`hive serve --db /data/hive.db`), a volume. The compose
	// replicas use PostgreSQL instead (HiveDatabaseEnv).
	HiveDataDir = "/data"
	// HiveReplicaPort is the host port of the second Hive replica (its
	// container port is HivePort).
	HiveReplicaPort = 8082
	// HiveDatabaseEnv is the variable `hive serve` reads its database from
	// when --db is not given (cmd/hive, envDatabaseURL).
	HiveDatabaseEnv = "HIVE_DATABASE_URL"

	// PostgresPort is PostgreSQL's port inside the compose network.
	PostgresPort = 5432
	// PostgresDataDir is where the postgres image keeps its data, a volume.
	PostgresDataDir = "/var/lib/postgresql/data"
	// PostgresMajor is the PostgreSQL major version the compose file runs,
	// the one the pgstore tests run against.
	PostgresMajor = 15

	// ServicePort is the port examples/service listens on by default (on all
	// interfaces, ":8081").
	ServicePort = 8081

	// JaegerUIPort is Jaeger's UI and query API port.
	JaegerUIPort = 16686
	// OTLPGRPCPort and OTLPHTTPPort are the standard OTLP ports, the
	// defaults of OTEL_EXPORTER_OTLP_ENDPOINT and of Jaeger's receivers.
	OTLPGRPCPort = 4317
	OTLPHTTPPort = 4318

	// JaegerSamplingPercentage is the share of traces, in percent, the
	// collector's tail sampling keeps for Jaeger (deploy/otel-collector.yaml;
	// docker-compose.yaml and the README say it too). Hive gets every run.
	JaegerSamplingPercentage = 25
	// HiveMinRetryElapsed is the least time the collector's exporter to
	// hive serve must keep retrying a request (retry_on_failure
	// max_elapsed_time; 0 retries for ever): a restart of the server must
	// not lose records.
	HiveMinRetryElapsed = time.Minute
)

// The compose services and the Dockerfile targets that build two of them.
const (
	JaegerService    = "jaeger"
	CollectorService = "otel-collector"
	HiveService      = "hive"
	HiveReplica      = "hive-2"
	PostgresService  = "postgres"
	ExampleService   = "service"

	HiveTarget    = "hive"
	ServiceTarget = "service"
)

// The commands the Dockerfile builds: each package relative to the
// directory of its module, relative to the repository root.
const (
	HiveModule     = "hive/server"
	HivePackage    = "./cmd/hive"
	ServiceModule  = "examples"
	ServicePackage = "./service"
)

// ServiceEnv lists the variables the example service is configured by; the
// compose file must set each one. The HIVE_* variables are read by the Hive
// client (package hive), the OTEL_* ones by otelsetup.Setup;
// OTEL_RESOURCE_ATTRIBUTES names the Hive project (hive.project.uuid and
// hive.project.name) of the records hive serve rebuilds from the spans the
// collector sends it.
var ServiceEnv = []string{
	"OTEL_SERVICE_NAME",
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL",
	"OTEL_RESOURCE_ATTRIBUTES",
	"HIVE_HOST",
	"HIVE_PROJECT_NAME",
	"HIVE_PROJECT_UUID",
	"HIVE_API_KEY",
	"HIVE_API_SECRET",
}

// HiveEnv lists the variables `hive serve` reads its credentials from (the
// API key, then the secret); the collector presents the same pair to it,
// read from the same variables.
var HiveEnv = []string{"HIVE_API_KEY", "HIVE_API_SECRET"}

// HiveReplicas are the compose services running `hive serve` on the one
// PostgreSQL database, and the host port each publishes HivePort on.
var HiveReplicas = map[string]int{HiveService: HivePort, HiveReplica: HiveReplicaPort}

// PostgresEnv lists the variables the postgres image creates its user,
// password and database from; HiveDatabaseEnv's default must name them.
var PostgresEnv = []string{"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
