package exporter

import (
	"context"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/exporter/spool"
)

// rebuildChunk is the most runs the rebuilder takes at once (and spools in
// one transaction).
const rebuildChunk = 256

// rebuilder is the goroutine that turns finished runs into what the
// transport delivers (and spools them) until Shutdown, when it finishes what
// is queued first.
func (p *recordProcessor) rebuilder() {
	defer p.prodWG.Done()
	for {
		changed := p.queue.Changed()
		if runs := p.queue.TakeRuns(rebuildChunk); len(runs) > 0 {
			p.rebuildRuns(runs)
			continue
		}
		select {
		case <-changed:
		case <-p.stopping:
			for runs := p.queue.TakeRuns(rebuildChunk); len(runs) > 0; runs = p.queue.TakeRuns(rebuildChunk) {
				p.rebuildRuns(runs)
			}
			return
		}
	}
}

// rebuildRuns prepares runs for delivery (rebuilds their records, or
// encodes their spans), spools them when a spool is set, and hands them to
// the senders.
func (p *recordProcessor) rebuildRuns(runs []*item) {
	taken := len(runs)
	ready := make([]*item, 0, taken)
	var failed []*item
	for _, it := range runs {
		if err := p.tr.prepare(it); err != nil {
			p.report(fmt.Errorf("exporter: %w", err), false)
			failed = append(failed, it)
			continue
		}
		it.task, it.boundaries = nil, nil
		ready = append(ready, it)
	}
	p.drop(dropRebuildFailed, int64(len(failed)))
	p.queue.Done(failed)
	if p.cfg.spool != nil {
		ready = p.spoolItems(ready)
	}
	p.queue.PushReady(ready, p.cfg.now())
	p.queue.Rebuilt(taken)
}

// spoolItems writes the items to the spool in one transaction and returns
// those it stored, and those that cannot be stored (delivered from memory
// only); the others are dropped (the spool is full or failed).
func (p *recordProcessor) spoolItems(items []*item) []*item {
	if len(items) == 0 {
		return items
	}
	entries := make([]spool.Entry, 0, len(items))
	keep := items[:0]
	var bad []*item
	for _, it := range items {
		data, err := p.tr.encode(it)
		if err != nil || it.id == "" {
			// Not storable: it is delivered from memory only.
			p.report(fmt.Errorf("exporter: spool run %q: %w", it.id, errors.Join(err, errors.New("not storable"))), false)
			bad = append(bad, it)
			continue
		}
		entries = append(entries, spool.Entry{ID: it.id, Data: data})
		keep = append(keep, it)
	}
	stored, err := p.cfg.spool.Put(context.Background(), entries)
	if err != nil {
		p.report(fmt.Errorf("exporter: spool %d runs: %w", len(entries), err), false)
		stored = 0
	}
	for _, it := range keep[:stored] {
		it.spooled = true
	}
	overflow := keep[stored:]
	p.drop(dropSpoolFull, int64(len(overflow)))
	p.queue.Done(overflow)
	return append(keep[:stored:stored], bad...)
}
