package exporter

import (
	"context"

	"github.com/hivetrace/hivetrace/exporter/spool"
)

// Spool keeps records on disk until they are delivered (WithSpool). The
// record processor writes a record to the spool before the record counts as
// queued, removes it once the sink delivered it (or it was dropped for
// good), and at start delivers what an earlier process left in it before
// anything new. *spool.Spool implements it.
//
// Methods may block on the disk; they are called from the processor's own
// goroutines, never from the goroutine that ended a span, and must be safe
// for concurrent use.
type Spool interface {
	// Put stores entries in order as far as they fit and returns how many
	// it stored; what it stored survives the process being killed.
	Put(ctx context.Context, entries []spool.Entry) (stored int, err error)
	// Remove deletes the entries with these ids; unknown ids are ignored.
	Remove(ctx context.Context, ids []string) error
	// Oldest returns up to limit entries after the cursor, oldest first,
	// and the cursor of the last one.
	Oldest(ctx context.Context, after int64, limit int) (entries []spool.Entry, next int64, err error)
	// Last returns the cursor of the newest entry.
	Last(ctx context.Context) (int64, error)
	// Len returns the number of entries and their size in bytes.
	Len() (entries int, bytes int64)
}

var _ Spool = (*spool.Spool)(nil)
