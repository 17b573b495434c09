package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// recordTransport rebuilds each finished run's record in process and
// delivers records to a Sink.
type recordTransport struct {
	sink   Sink
	logger func() *slog.Logger
}

var _ transport = recordTransport{}

// prepare rebuilds the run's record (otelrecord.RebuildRun); an incomplete
// record is delivered all the same, with otelrecord.MetadataIncomplete.
func (t recordTransport) prepare(it *item) error {
	rec, err := otelrecord.RebuildRun(sdkspan.Span(it.task), sdkspan.Spans(it.boundaries))
	switch {
	case rec == nil:
		if err == nil {
			err = errors.New("no record")
		}
		return fmt.Errorf("rebuild run of span %s: %w", it.task.SpanContext().SpanID(), err)
	case err != nil:
		t.logger().Debug("hivetrace: rebuilt an incomplete record",
			"task", rec.TaskName, "uuid", rec.UUID, "error", err)
	}
	it.rec = rec
	if rec.UUID != "" {
		it.id = rec.UUID
	}
	return nil
}

// encode returns the record's JSON.
func (recordTransport) encode(it *item) ([]byte, error) {
	return json.Marshal(it.rec)
}

// decode reads a spooled record, or rebuilds the record of spans the span
// transport spooled.
func (recordTransport) decode(id string, data []byte) (*item, error) {
	var rec *otelrecord.ExecutionRecord
	if len(data) > 0 && data[0] == spansEntryByte {
		var err error
		if rec, err = rebuildSpooledSpans(id, data); err != nil {
			return nil, err
		}
	} else {
		rec = new(otelrecord.ExecutionRecord)
		if err := json.Unmarshal(data, rec); err != nil {
			return nil, err
		}
	}
	if rec.UUID == "" {
		rec.UUID = id
	}
	return &item{id: rec.UUID, rec: rec, size: int64(len(data))}, nil
}

// send delivers the batch's records.
func (t recordTransport) send(ctx context.Context, batch []*item) error {
	recs := make([]*otelrecord.ExecutionRecord, len(batch))
	for i, it := range batch {
		recs[i] = it.rec
	}
	return t.sink.Deliver(ctx, recs...)
}

func (t recordTransport) target() any { return t.sink }

// rebuildSpooledSpans rebuilds the record of run id from the spans a span
// transport spooled, as the receiver of those spans would.
func rebuildSpooledSpans(id string, data []byte) (*otelrecord.ExecutionRecord, error) {
	td, err := (&RunSpans{UUID: id, TracesData: data}).Decode()
	if err != nil {
		return nil, err
	}
	recs, err := otelrecord.Rebuild(otlpspan.Spans(td.GetResourceSpans()))
	for _, rec := range recs {
		if rec.UUID == id {
			return rec, nil
		}
	}
	return nil, fmt.Errorf("no record of run %s in its spooled spans: %w", id, errors.Join(err, errors.New("no task-run span")))
}
