package exporter

import (
	"context"
	"errors"
)

// spanTransport encodes each finished run's spans as OTLP and delivers them
// to a SpanSink, whose receiver rebuilds the records.
type spanTransport struct {
	sink SpanSink
	enc  *runEncoder // the rebuilder's alone
}

var _ transport = spanTransport{}

// prepare encodes the run's spans.
func (t spanTransport) prepare(it *item) error {
	it.spans = t.enc.encode(it.id, it.task, it.boundaries, it.size)
	return nil
}

// encode returns the run's TracesData as it is.
func (spanTransport) encode(it *item) ([]byte, error) {
	return it.spans.TracesData, nil
}

// decode reads spooled spans back; a record the record transport spooled
// is left for it (errForeignEntry).
func (spanTransport) decode(id string, data []byte) (*item, error) {
	if len(data) == 0 || data[0] != spansEntryByte {
		return nil, errForeignEntry
	}
	rs := &RunSpans{UUID: id, TracesData: data}
	td, err := rs.Decode()
	if err != nil {
		return nil, err
	}
	for _, r := range td.GetResourceSpans() {
		for _, ss := range r.GetScopeSpans() {
			rs.Spans += len(ss.GetSpans())
		}
	}
	if rs.Spans == 0 {
		return nil, errors.New("no spans")
	}
	return &item{id: id, spans: rs, size: int64(len(data))}, nil
}

// send delivers the batch's runs.
func (t spanTransport) send(ctx context.Context, batch []*item) error {
	runs := make([]*RunSpans, len(batch))
	for i, it := range batch {
		runs[i] = it.spans
	}
	return t.sink.DeliverSpans(ctx, runs...)
}

func (t spanTransport) target() any { return t.sink }
