// Package e2e holds end-to-end tests that join hivetrace's packages the way
// a user's program does: tasks and boundaries run under otelsetup.Setup, the
// record processor hands the records to the Hive sink, a real "hive serve"
// (the hive command, built from this module) stores them in SQLite, and
// "hive logs show" prints them back; the same spans travel over OTLP gRPC to
// a real Jaeger (see package jaegertest), whose query API gives them back for
// otelrecord to rebuild the records from, and for "hive rebuild".
//
// The package has no code of its own; its tests assert that every record
// printed, stored or rebuilt equals the record the run returned.
package e2e
