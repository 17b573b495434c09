package task

// Reasons of the background errors this package reports through run.Handle
// (otel.Handle, rate-limited per reason: see the package doc).
const (
	// reasonConfig: a problem New or SafeReplay found in what it was given
	// (a boundary declared twice, a tape recording that cannot be indexed),
	// which it ignores.
	reasonConfig = "task configuration"
	// reasonListenerPanic: a listener panicked.
	reasonListenerPanic = "listener panicked"
	// reasonGlobalBusy: a record was dropped for the global listeners.
	reasonGlobalBusy = "global listeners busy"
)
