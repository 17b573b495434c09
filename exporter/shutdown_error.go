package exporter

import "fmt"

// ShutdownError is what the record processor's Shutdown returns when records
// were still queued as it ended: Undelivered of them are lost (counted under
// DropReasonShutdown), Spooled of them stay in the spool and are delivered
// by the next process that opens it.
type ShutdownError struct {
	// Undelivered is the number of records lost.
	Undelivered int
	// Spooled is the number of records left in the spool.
	Spooled int
	// Err is why delivery stopped (the shutdown deadline), when known.
	Err error
}

// Error says how many records were lost and how many stay spooled.
func (e *ShutdownError) Error() string {
	msg := fmt.Sprintf("exporter: shutdown: %d records not delivered, %d stay spooled for the next start", e.Undelivered, e.Spooled)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Err.
func (e *ShutdownError) Unwrap() error { return e.Err }
