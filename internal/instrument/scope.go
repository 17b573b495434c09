package instrument

import "github.com/hivetrace/hivetrace/internal/run"

// ScopeName is the instrumentation scope of every hivetrace instrument
// (run.ScopeName).
const ScopeName = run.ScopeName
