package hivesink

import (
	"context"
	"errors"

	"github.com/hivetrace/hivetrace/hive"
)

// deliverSingles sends items one POST /api/log-ingest each, up to the
// configured concurrency at a time, and settles each.
func (s *Sink) deliverSingles(ctx context.Context, items []*item) {
	parallel(s.cfg.concurrency, items, func(it *item) { s.sendOne(ctx, it) })
}

// sendOne delivers one item, retrying within ctx as Deliver documents.
func (s *Sink) sendOne(ctx context.Context, it *item) {
	for attempt := 0; ; {
		if err := ctx.Err(); err != nil {
			it.fail(err)
			return
		}
		_, err := s.client.SendLog(ctx, it.rec, nil)
		it.attempts++
		switch {
		case err == nil || errors.Is(err, hive.ErrSilent):
			s.stored(ctx, it)
			return
		case tooLarge(err) != nil:
			if !s.shrink(it, tooLarge(err)) {
				it.reject(tooLargeError(it, err))
				return
			}
			continue // the trimmed record goes at once
		case refused(err):
			it.reject(err)
			return
		}
		it.last = err
		if ctx.Err() != nil {
			it.fail(ctx.Err())
			return
		}
		if err := s.pause(ctx, attempt, []*item{it}); err != nil {
			it.fail(err)
			return
		}
		attempt++
	}
}
