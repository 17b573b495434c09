package exporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/internal/retry"
)

// errExportTimeout is the cause of a Deliver context that ran out of time.
var errExportTimeout = errors.New("exporter: record export timeout")

// sender is one of the goroutines that deliver batches to the sink, until
// Shutdown, when it delivers what is left and returns once the queue is
// empty or the shutdown deadline passed. While a receiver's Retry-After is
// on (pauseFor), it takes no batch, unless a ForceFlush is in progress.
func (p *recordProcessor) sender() {
	defer p.wg.Done()
	timer := time.NewTimer(p.cfg.batchTimeout)
	defer timer.Stop()
	for {
		if p.runCtx.Err() != nil { // Shutdown's deadline passed
			return
		}
		changed := p.queue.Changed()
		stopping, produced := isClosed(p.stopping), isClosed(p.produced)
		flushing := p.flushing.Load() > 0
		pause := time.Duration(0)
		if !flushing {
			pause = p.paused()
		}
		if pause == 0 {
			if batch := p.queue.TakeBatch(p.cfg.maxExportBatchSize, p.cfg.maxExportBatchBytes,
				p.cfg.batchTimeout, p.cfg.now(), stopping || flushing); len(batch) > 0 {
				p.deliver(batch)
				continue
			}
		}
		if stopping && produced && p.queue.Idle() {
			return
		}
		wait := p.cfg.batchTimeout
		if pause > 0 {
			wait = pause
		} else if at, ok := p.queue.OldestReady(); ok {
			wait = max(time.Millisecond, p.cfg.batchTimeout-p.cfg.now().Sub(at))
		}
		// Channels seen closed above would wake the sender at once, again
		// and again: it waits on them only until they close.
		stopCh, prodCh := p.stopping, p.produced
		if stopping {
			stopCh = nil
		}
		if produced {
			prodCh = nil
		}
		timer.Reset(wait)
		select {
		case <-changed:
		case <-timer.C:
			p.warnDropped(false)
		case <-stopCh:
		case <-prodCh:
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
// every item of it: delivered or dropped (done, out of the spool), or
// handed back for another attempt after a backoff.
func (p *recordProcessor) deliver(batch []*item) {
	duringFlush := p.flushing.Load() > 0
	ctx, cancel := context.WithTimeoutCause(p.runCtx, p.cfg.exportTimeout, errExportTimeout)
	err := p.tr.send(ctx, batch)
	partial, delivered := partialSuccesses(err, nil)
	if delivered {
		err = nil
	}
	// Items a shutdown cut short are accounted for by Shutdown, not
	// dropped here.
	again, drops := splitUndelivered(ctx, err, batch, p.runCtx.Err() != nil)
	cancel()
	asked := min(retryAfter(err), maxRetryAfter)
	if asked > 0 && len(again) > 0 {
		p.pauseFor(asked) // before anything else: the other senders hold back at once
	}

	for _, ps := range partial {
		p.drop(dropPartialSuccess, ps.RejectedSpans)
		p.report(fmt.Errorf("exporter: deliver %d runs: %w", len(batch), ps), duringFlush && ps.RejectedSpans > 0)
	}
	settled := batch
	if len(again) > 0 {
		settled = make([]*item, 0, len(batch)-len(again))
		retried := make(map[*item]struct{}, len(again))
		for _, it := range again {
			retried[it] = struct{}{}
		}
		for _, it := range batch {
			if _, ok := retried[it]; !ok {
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
	} else if len(partial) > 0 {
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
	delay := max(retry.Backoff(n, p.cfg.initialBackoff, p.cfg.maxBackoff), asked)
	if p.flushing.Load() == 0 {
		_ = retry.Sleep(p.runCtx, delay)
	}
}

// maxRetryAfter caps the delay a receiver's Retry-After imposes.
const maxRetryAfter = time.Minute

// retryAfter returns the longest RetryAfter of the DeliveryErrors in err.
func retryAfter(err error) time.Duration {
	var d time.Duration
	for _, de := range deliveryErrors(err, nil) {
		d = max(d, de.RetryAfter)
	}
	return d
}

// pauseFor keeps every sender from taking a batch for d (ForceFlush
// aside), unless a longer pause is on.
func (p *recordProcessor) pauseFor(d time.Duration) {
	until := time.Now().Add(d).UnixNano()
	for {
		cur := p.pausedUntil.Load()
		if cur >= until || p.pausedUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// paused returns how long the senders still wait before taking a batch.
func (p *recordProcessor) paused() time.Duration {
	until := p.pausedUntil.Load()
	if until == 0 {
		return 0
	}
	return max(0, time.Until(time.Unix(0, until)))
}

// unspool removes settled records from the spool.
func (p *recordProcessor) unspool(items []*item) {
	if p.cfg.spool == nil {
		return
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if it.spooled {
			ids = append(ids, it.id)
		}
	}
	if len(ids) == 0 {
		return
	}
	if err := p.cfg.spool.Remove(context.Background(), ids); err != nil {
		p.report(fmt.Errorf("exporter: remove %d delivered runs from the spool: %w", len(ids), err), false)
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
