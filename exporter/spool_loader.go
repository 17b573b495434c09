package exporter

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// spoolPage is the most records the loader reads from the spool at once.
const spoolPage = 256

// loadSpool is the goroutine that reads back, oldest first, the records an
// earlier process left in the spool, up to the entry last (the newest when
// the processor started), as room in the queue allows.
func (p *recordProcessor) loadSpool(last int64) {
	defer p.prodWG.Done()
	sp := p.cfg.spool
	var cursor int64
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
			var rec otelrecord.ExecutionRecord
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				p.report(fmt.Errorf("exporter: spooled record %s: %w", e.ID, err), false)
				continue
			}
			if rec.UUID == "" {
				rec.UUID = e.ID
			}
			items = append(items, &item{rec: &rec, size: int64(len(e.Data)), spooled: true})
		}
		p.pushLoaded(items)
		cursor = next
		if isClosed(p.stopping) {
			return
		}
	}
}

// pushLoaded queues spooled records, waiting for room as needed.
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
