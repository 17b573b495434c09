package exporter

import (
	"errors"
	"fmt"
	"time"
)

// spoolPage is the most entries the loader reads from the spool at once.
const spoolPage = 256

// loadSpool is the goroutine that reads back, oldest first, the runs an
// earlier process left in the spool (records, or spans encoded as OTLP), up
// to the entry last (the newest when the processor started), as room in the
// queue allows. Entries the other transport wrote that this one cannot
// deliver stay in the spool, and a warning says how many.
func (p *recordProcessor) loadSpool(last int64) {
	defer p.prodWG.Done()
	sp := p.cfg.spool
	var cursor int64
	foreign := 0
	defer func() {
		if foreign > 0 {
			p.logger().Warn("hivetrace: the spool holds records written by a record processor, which this run-span processor cannot deliver; "+
				"they stay in the spool for a record processor to deliver", "records", foreign)
		}
	}()
	for cursor < last {
		// Leave half the queue to new runs.
		for {
			changed := p.queue.Changed()
			if used, limit := p.queue.Bytes(); used < limit/2 {
				break
			}
			select {
			case <-changed:
			case <-p.stopping:
				return
			}
		}
		entries, next, err := sp.Oldest(p.runCtx, cursor, spoolPage)
		if err != nil {
			p.report(fmt.Errorf("exporter: read the spool: %w", err), false)
			return
		}
		if len(entries) == 0 {
			return
		}
		items := make([]*item, 0, len(entries))
		for _, e := range entries {
			if e.Seq > last { // this process's own, already queued
				break
			}
			it, err := p.tr.decode(e.ID, e.Data)
			switch {
			case errors.Is(err, errForeignEntry):
				foreign++
				continue
			case err != nil:
				p.report(fmt.Errorf("exporter: spooled run %s: %w", e.ID, err), false)
				continue
			}
			it.spooled = true
			items = append(items, it)
		}
		p.pushLoaded(items)
		cursor = next
		if isClosed(p.stopping) {
			return
		}
	}
}

// pushLoaded queues spooled runs, waiting for room as needed.
func (p *recordProcessor) pushLoaded(items []*item) {
	for len(items) > 0 {
		changed := p.queue.Changed()
		n := p.queue.PushLoaded(items, p.cfg.now())
		items = items[n:]
		if len(items) == 0 {
			return
		}
		select {
		case <-changed:
		case <-time.After(p.cfg.batchTimeout):
		case <-p.stopping:
			return
		}
	}
}
