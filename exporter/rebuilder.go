package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// rebuildChunk is the most runs the rebuilder takes at once (and spools in
// one transaction).
const rebuildChunk = 256

// rebuilder is the goroutine that turns finished runs into records (and
// spools them) until Shutdown, when it finishes what is queued first.
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

// rebuildRuns rebuilds runs, spools the records when a spool is set, and
// hands the records to the senders.
func (p *recordProcessor) rebuildRuns(runs []*item) {
	taken := len(runs)
	ready := make([]*item, 0, taken)
	var failed []*item
	for _, it := range runs {
		if it.rec = p.rebuild(it); it.rec == nil {
			failed = append(failed, it)
			continue
		}
		it.task, it.boundaries = nil, nil
		ready = append(ready, it)
	}
	p.drop(dropRebuildFailed, int64(len(failed)))
	p.queue.Done(failed)
	if p.cfg.spool != nil {
		ready = p.spoolRecords(ready)
	}
	p.queue.PushReady(ready, p.cfg.now())
	p.queue.Rebuilt(taken)
}

// rebuild turns a finished run into its record; nil when it cannot.
func (p *recordProcessor) rebuild(it *item) *otelrecord.ExecutionRecord {
	rec, err := otelrecord.RebuildRun(sdkspan.Span(it.task), sdkspan.Spans(it.boundaries))
	switch {
	case rec == nil:
		if err == nil {
			err = errors.New("no record")
		}
		p.report(fmt.Errorf("exporter: rebuild run of span %s: %w", it.task.SpanContext().SpanID(), err), false)
	case err != nil:
		p.logger().Debug("hivetrace: rebuilt an incomplete record",
			"task", rec.TaskName, "uuid", rec.UUID, "error", err)
	}
	return rec
}

// spoolRecords writes the records to the spool in one transaction and
// returns those it stored; the others are dropped (the spool is full or
// failed).
func (p *recordProcessor) spoolRecords(items []*item) []*item {
	if len(items) == 0 {
		return items
	}
	entries := make([]spool.Entry, 0, len(items))
	keep := items[:0]
	var bad []*item
	for _, it := range items {
		data, err := json.Marshal(it.rec)
		if err != nil || it.rec.UUID == "" {
			// Not storable: it is delivered from memory only.
			p.report(fmt.Errorf("exporter: spool record %q: %w", it.rec.UUID, errors.Join(err, errors.New("not storable"))), false)
			bad = append(bad, it)
			continue
		}
		entries = append(entries, spool.Entry{ID: it.rec.UUID, Data: data})
		keep = append(keep, it)
	}
	stored, err := p.cfg.spool.Put(context.Background(), entries)
	if err != nil {
		p.report(fmt.Errorf("exporter: spool %d records: %w", len(entries), err), false)
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
