package exporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/internal/retry"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// errExportTimeout is the cause of a Deliver context that ran out of time.
var errExportTimeout = errors.New("exporter: record export timeout")

// sender is one of the goroutines that deliver batches to the sink, until
// Shutdown, when it delivers what is left and returns once the queue is
// empty or the shutdown deadline passed.
func (p *recordProcessor) sender() {
	defer p.wg.Done()
	timer := time.NewTimer(p.cfg.batchTimeout)
	defer timer.Stop()
	for {
		if p.runCtx.Err() != nil { // Shutdown's deadline passed
			return
		}
		changed := p.queue.Changed()
		stopping := isClosed(p.stopping)
		force := stopping || p.flushing.Load() > 0
		if batch := p.queue.TakeBatch(p.cfg.maxExportBatchSize, p.cfg.maxExportBatchBytes,
			p.cfg.batchTimeout, p.cfg.now(), force); len(batch) > 0 {
			p.deliver(batch)
			continue
		}
		if stopping && isClosed(p.produced) && p.queue.Idle() {
			return
		}
		wait := p.cfg.batchTimeout
		if at, ok := p.queue.OldestReady(); ok {
			wait = max(time.Millisecond, p.cfg.batchTimeout-p.cfg.now().Sub(at))
		}
		timer.Reset(wait)
		select {
		case <-changed:
		case <-timer.C:
			p.warnDropped(false)
		case <-p.stopping:
		case <-p.produced:
		case <-p.runCtx.Done():
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// deliver hands a batch to the sink with the export timeout, then settles
// every record of it: delivered or dropped (done, out of the spool), or
// handed back for another attempt after a backoff.
func (p *recordProcessor) deliver(batch []*item) {
	recs := make([]*otelrecord.ExecutionRecord, len(batch))
	for i, it := range batch {
		recs[i] = it.rec
	}
	duringFlush := p.flushing.Load() > 0
	ctx, cancel := context.WithTimeoutCause(p.runCtx, p.cfg.exportTimeout, errExportTimeout)
	err := p.sink.Deliver(ctx, recs...)
	// Records a shutdown cut short are accounted for by Shutdown, not
	// dropped here.
	handedBack, drops := splitUndelivered(ctx, err, recs, p.runCtx.Err() != nil)
	cancel()

	retryItems := matchItems(batch, handedBack)
	if unmatched := len(handedBack) - len(retryItems); unmatched > 0 {
		drops[failureReason(ctx, err)] += int64(unmatched) // records the sink made up: not ours to retry
	}
	settled, again := batch, []*item(nil)
	if len(retryItems) > 0 {
		settled = make([]*item, 0, len(batch)-len(retryItems))
		again = make([]*item, 0, len(retryItems))
		for _, it := range batch {
			if _, ok := retryItems[it]; ok {
				again = append(again, it)
			} else {
				settled = append(settled, it)
			}
		}
	}
	for r, n := range drops {
		p.drop(r, n)
	}
	if err != nil {
		p.report(fmt.Errorf("exporter: deliver %d records: %w", len(batch), err), duringFlush)
		p.warnDropped(false)
	}
	p.unspool(settled)
	p.queue.Done(settled)
	if err == nil {
		p.failures.Store(0)
		return
	}
	if len(again) == 0 {
		return
	}
	p.queue.Requeue(again)
	n := int(p.failures.Add(1)) - 1
	if p.flushing.Load() == 0 {
		_ = retry.Sleep(p.runCtx, retry.Backoff(n, p.cfg.initialBackoff, p.cfg.maxBackoff))
	}
}

// matchItems finds the items of batch whose records were handed back, by
// record pointer or else by uuid.
func matchItems(batch []*item, recs []*otelrecord.ExecutionRecord) map[*item]struct{} {
	if len(recs) == 0 {
		return nil
	}
	byRec := make(map[*otelrecord.ExecutionRecord]*item, len(batch))
	byUUID := make(map[string]*item, len(batch))
	for _, it := range batch {
		byRec[it.rec] = it
		if it.rec.UUID != "" {
			byUUID[it.rec.UUID] = it
		}
	}
	out := make(map[*item]struct{}, len(recs))
	for _, r := range recs {
		if it, ok := byRec[r]; ok {
			out[it] = struct{}{}
		} else if it, ok := byUUID[r.UUID]; ok && r.UUID != "" {
			out[it] = struct{}{}
		}
	}
	return out
}

// unspool removes settled records from the spool.
func (p *recordProcessor) unspool(items []*item) {
	if p.cfg.spool == nil {
		return
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if it.spooled {
			ids = append(ids, it.rec.UUID)
		}
	}
	if len(ids) == 0 {
		return
	}
	if err := p.cfg.spool.Remove(context.Background(), ids); err != nil {
		p.report(fmt.Errorf("exporter: remove %d delivered records from the spool: %w", len(ids), err), false)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
