package task

import "github.com/hivetrace/hivetrace/otelrecord"

// Version is the version of this package, reported as the instrumentation
// scope version of its spans: hivetrace's version (otelrecord.Version).
const Version = otelrecord.Version

// ScopeName is the instrumentation scope name of task-run spans: the import
// path of this package.
const ScopeName = "github.com/hivetrace/hivetrace/task"
