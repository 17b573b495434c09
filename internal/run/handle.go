package run

import (
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
)

// ReportInterval is the shortest time between two reports of one reason by
// Handle.
const ReportInterval = time.Minute

// reasonInvalidSetting is the reason of errors about settings read from the
// environment.
const reasonInvalidSetting = "invalid setting"

// Handle reports a background error, one that has no caller to go back to,
// through otel.Handle (the OTel global error handler), rate-limited by
// reason: the first error of a reason is reported at once; later ones of the
// same reason are counted and dropped until ReportInterval has passed since
// the last report, and the next report says how many were dropped. Errors
// dropped after the last report of a reason are never reported. reason is a
// short fixed phrase ("listener panicked"), never built from data, so the
// reasons are few. The report reads "hivetrace: <reason>: <err>". A nil err
// is ignored. Handle is safe for concurrent use and never blocks on other
// callers while the handler runs.
func Handle(reason string, err error) {
	background.report(reason, err)
}

var background = &limiter{interval: ReportInterval, now: time.Now, handle: otel.Handle}

// limiter rate-limits reports by reason.
type limiter struct {
	interval time.Duration
	now      func() time.Time
	handle   func(error)

	mu      sync.Mutex
	reasons map[string]*reasonState
}

// reasonState is when a reason was last reported and how many of its errors
// were dropped since.
type reasonState struct {
	last       time.Time
	suppressed int
}

func (l *limiter) report(reason string, err error) {
	if err == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	st, seen := l.reasons[reason]
	if !seen {
		if l.reasons == nil {
			l.reasons = make(map[string]*reasonState)
		}
		st = &reasonState{}
		l.reasons[reason] = st
	} else if now.Sub(st.last) < l.interval {
		st.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed, since := st.suppressed, st.last
	st.last, st.suppressed = now, 0
	l.mu.Unlock()

	if suppressed > 0 {
		l.handle(fmt.Errorf("hivetrace: %s: %w (%d more suppressed since %s)",
			reason, err, suppressed, since.Format(time.RFC3339)))
		return
	}
	l.handle(fmt.Errorf("hivetrace: %s: %w", reason, err))
}
