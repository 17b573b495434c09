// Package otelrecord defines the Forge Hive ExecutionRecord, its JSON shape,
// and the span attribute convention that lets any process holding the spans of
// a task run rebuild that run's record.
//
// The record types encode to exactly the JSON the TypeScript Forge Hive
// implementation produces, so records move freely between the two. The
// convention (attributes.go) is written once here and is the only contract
// between the code that emits spans (packages boundary and task) and the code
// that rebuilds records from them (this package's rebuilders and package
// exporter).
//
// Nothing in this package imports the other hivetrace packages.
package otelrecord
