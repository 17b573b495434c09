package otelrecord

// Version is the version of hivetrace, written in this one place: the
// instrumentation scope version of task and boundary spans (task.Version,
// boundary.Version) and the version the hive command reports for a build
// from a checkout. "-dev" until the release that CHANGELOG.md names.
const Version = "0.1.0-dev"
