package hivesink

import (
	"context"
	"errors"
	"sync"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// batchRoute is what the sink knows of the server's batch ingest route.
type batchRoute int32

const (
	routeUnknown batchRoute = iota // no request has told yet
	routeServed                    // the server answered a batch
	routeMissing                   // the server answered 404: send single records
)

// deliverBatches sends items in batches, up to the configured concurrency
// at a time, and settles each item, except those it returns: the items to
// send one at a time because the server has no batch route.
func (s *Sink) deliverBatches(ctx context.Context, items []*item) []*item {
	var mu sync.Mutex
	var singles []*item
	parallel(s.cfg.concurrency, s.split(items), func(group []*item) {
		if rest := s.sendGroup(ctx, group); len(rest) > 0 {
			mu.Lock()
			singles = append(singles, rest...)
			mu.Unlock()
		}
	})
	return singles
}

// split packs items, in order, into groups of at most the configured number
// of records and bytes (a record larger than the byte limit goes alone).
func (s *Sink) split(items []*item) [][]*item {
	maxBytes := s.cfg.batchBytes
	if limit := s.maxBody.Load(); limit > 0 {
		maxBytes = min(maxBytes, limit/2)
	}
	var groups [][]*item
	var group []*item
	var size int64
	for _, it := range items {
		if len(group) > 0 && (len(group) >= s.cfg.batchRecords || size+int64(it.wire) > maxBytes) {
			groups = append(groups, group)
			group, size = nil, 0
		}
		group = append(group, it)
		size += int64(it.wire)
	}
	if len(group) > 0 {
		groups = append(groups, group)
	}
	return groups
}

// sendGroup delivers one group of items in batch requests, retrying within
// ctx as Deliver documents, and settles each item, except those it returns
// when the server turns out to have no batch route.
func (s *Sink) sendGroup(ctx context.Context, pending []*item) []*item {
	for attempt := 0; len(pending) > 0; {
		if err := ctx.Err(); err != nil {
			failAll(pending, err)
			return nil
		}
		results, err := s.sendLogs(ctx, pending)
		if errors.Is(err, hive.ErrNoBatchRoute) {
			return pending
		}
		for _, it := range pending {
			it.attempts++
		}
		var retry, again []*item // retry after a backoff; send again at once
		switch {
		case err != nil && tooLarge(err) != nil:
			return s.splitTooLarge(ctx, pending, tooLarge(err))
		case err != nil && refused(err):
			for _, it := range pending {
				it.reject(err)
			}
			return nil
		case err != nil:
			for _, it := range pending {
				it.last = err
			}
			if ctx.Err() != nil {
				failAll(pending, ctx.Err())
				return nil
			}
			retry = pending
		default:
			for i, res := range results {
				it := pending[i]
				switch {
				case res.Err == nil || errors.Is(res.Err, hive.ErrSilent):
					s.stored(ctx, it)
				case tooLarge(res.Err) != nil:
					if s.shrink(it, tooLarge(res.Err)) {
						again = append(again, it)
					} else {
						it.reject(tooLargeError(it, res.Err))
					}
				case refused(res.Err):
					it.reject(res.Err)
				default:
					it.last = res.Err
					retry = append(retry, it)
				}
			}
		}
		pending = again
		if len(retry) == 0 {
			continue
		}
		if err := s.pause(ctx, attempt, retry); err != nil {
			failAll(retry, err)
			continue // the items to send again at once still go
		}
		pending = append(pending, retry...)
		attempt++
	}
	return nil
}

// splitTooLarge handles a batch the server refused as too large: a lone
// record is trimmed (or rejected when it cannot be) and sent again; more
// records are split, by the server's stated body limit when there is one
// and in halves otherwise, and each part sent. It returns the items to send
// one at a time, as sendGroup does.
func (s *Sink) splitTooLarge(ctx context.Context, pending []*item, refused *hive.APIError) []*item {
	if len(pending) == 1 {
		it := pending[0]
		if !s.shrink(it, refused) {
			it.reject(tooLargeError(it, refused))
			return nil
		}
		return s.sendGroup(ctx, pending)
	}
	if refused.MaxBodyBytes > 0 {
		s.lowerMaxBody(refused.MaxBodyBytes)
	}
	parts := s.split(pending)
	if len(parts) == 1 {
		half := len(pending) / 2
		parts = [][]*item{pending[:half], pending[half:]}
	}
	var singles []*item
	for _, part := range parts {
		singles = append(singles, s.sendGroup(ctx, part)...)
	}
	return singles
}

// lowerMaxBody remembers the smallest body limit a server stated.
func (s *Sink) lowerMaxBody(limit int64) {
	for {
		old := s.maxBody.Load()
		if old > 0 && old <= limit {
			return
		}
		if s.maxBody.CompareAndSwap(old, limit) {
			return
		}
	}
}

// sendLogs sends the items' records in one batch request. Until a batch is
// answered, one request at a time is made, the others wait for its answer;
// a 404 answer makes every later call return hive.ErrNoBatchRoute without a
// request, for the sink's lifetime.
func (s *Sink) sendLogs(ctx context.Context, items []*item) ([]hive.BatchResult, error) {
	recs := make([]*otelrecord.ExecutionRecord, len(items))
	for i, it := range items {
		recs[i] = it.rec
	}
	switch batchRoute(s.route.Load()) {
	case routeServed:
		return s.learn(s.client.SendLogs(ctx, recs, nil))
	case routeMissing:
		return nil, hive.ErrNoBatchRoute
	}
	select {
	case s.probe <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.probe }()
	if batchRoute(s.route.Load()) == routeMissing {
		return nil, hive.ErrNoBatchRoute
	}
	return s.learn(s.client.SendLogs(ctx, recs, nil))
}

// learn notes what a batch answer tells of the route: served when the
// server answered the batch, missing when it answered 404.
func (s *Sink) learn(results []hive.BatchResult, err error) ([]hive.BatchResult, error) {
	switch {
	case err == nil:
		s.route.CompareAndSwap(int32(routeUnknown), int32(routeServed))
	case errors.Is(err, hive.ErrNoBatchRoute):
		s.route.Store(int32(routeMissing))
	}
	return results, err
}
