package boundary

// Version is the version of this package, reported as the instrumentation
// scope version of its spans.
const Version = "0.1.0"

// ScopeName is the instrumentation scope name of boundary spans: the import
// path of this package.
const ScopeName = "github.com/hivetrace/hivetrace/boundary"
