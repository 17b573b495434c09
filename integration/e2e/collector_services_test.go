package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// The services of the collector test: an order service whose runs make
// several boundary calls and fail in several ways, a report service whose
// payloads pass the payload limit, and a nightly batch that runs orders as
// nested task runs. Their HTTP handlers and database queries are spans
// outside the convention, which the Collector's filter keeps from Hive.

type orderItem struct {
	SKU string `json:"sku" validate:"required"`
	Qty int    `json:"qty" validate:"min=1"`
}

type orderIn struct {
	OrderID int         `json:"orderId" validate:"required,min=1"`
	Card    string      `json:"card" validate:"required"`
	Items   []orderItem `json:"items" validate:"required,min=1,dive"`
}

type orderOut struct {
	OrderID int    `json:"orderId"`
	Total   int    `json:"total"`
	Receipt string `json:"receipt"`
}

type charge struct {
	Card   string `json:"card"`
	Amount int    `json:"amount"`
}

type reportRow struct {
	N     int    `json:"n"`
	Label string `json:"label"`
}

type reportReq struct {
	Rows int `json:"rows" validate:"min=1"`
}

type reportOut struct {
	Rows    []reportRow `json:"rows"`
	Summary string      `json:"summary"`
}

type batchIn struct {
	Orders []orderIn `json:"orders" validate:"required,min=1"`
}

type batchOut struct {
	Day    string     `json:"day"`
	Placed []orderOut `json:"placed"`
	Failed int        `json:"failed"`
}

var (
	errSoldOut  = errors.New("sold out")
	errDeclined = errors.New("card declined")
)

// soldOut and declinedCard make an order fail at its first boundary call
// or at the payment.
const (
	soldOut      = "sku-sold-out"
	declinedCard = "4000-0000-0000-0002"
)

// collectorServices are the tasks, on one TracerProvider.
type collectorServices struct {
	tracer trace.Tracer
	order  *task.Task[orderIn, orderOut]
	report *task.Task[reportReq, reportOut]
	batch  *task.Task[batchIn, batchOut]
}

func newCollectorServices(tp trace.TracerProvider) *collectorServices {
	s := &collectorServices{tracer: tp.Tracer("collector-e2e")}
	reserve := boundary.New("reserveStock", func(ctx context.Context, it orderItem) (int, error) {
		_, q := s.tracer.Start(ctx, "SELECT stock") // outside the convention
		defer q.End()
		if it.SKU == soldOut {
			return 0, fmt.Errorf("%s: %w", it.SKU, errSoldOut)
		}
		return 100 * it.Qty, nil
	})
	pay := boundary.New("chargeCard", func(_ context.Context, c charge) (string, error) {
		if c.Card == declinedCard {
			return "", errDeclined
		}
		return fmt.Sprintf("rcpt-%s-%d", c.Card[len(c.Card)-4:], c.Amount), nil
	})
	notify := boundary.New("notify", func(context.Context, string) (bool, error) { return true, nil })
	s.order = task.New("placeOrder", func(ctx context.Context, in orderIn) (orderOut, error) {
		total := 0
		for _, it := range in.Items {
			price, err := reserve.Call(ctx, it)
			if err != nil {
				return orderOut{}, err
			}
			total += price
		}
		receipt, err := pay.Call(ctx, charge{Card: in.Card, Amount: total})
		if err != nil {
			return orderOut{}, err
		}
		_ = task.SetMetadata(ctx, "receipt", receipt)
		_, _ = notify.Call(ctx, fmt.Sprintf("order %d placed", in.OrderID))
		return orderOut{OrderID: in.OrderID, Total: total, Receipt: receipt}, nil
	}, task.WithBoundaries(reserve, pay, notify), task.WithTracerProvider(tp))

	// Rows of about 100 bytes: past 650 of them a payload is over the 64 KiB
	// limit and the record holds its truncation marker.
	load := boundary.New("loadRows", func(_ context.Context, n int) ([]reportRow, error) {
		rows := make([]reportRow, n)
		for i := range rows {
			rows[i] = reportRow{N: i, Label: fmt.Sprintf("row %05d %s", i, strings.Repeat("x", 80))}
		}
		return rows, nil
	})
	s.report = task.New("renderReport", func(ctx context.Context, in reportReq) (reportOut, error) {
		rows, err := load.Call(ctx, in.Rows)
		if err != nil {
			return reportOut{}, err
		}
		return reportOut{Rows: rows, Summary: fmt.Sprintf("%d rows", len(rows))}, nil
	}, task.WithBoundaries(load), task.WithTracerProvider(tp))

	clock := boundary.New("clock", func(context.Context, struct{}) (string, error) { return "2026-05-01", nil })
	place := s.order.AsBoundary()
	s.batch = task.New("nightlyBatch", func(ctx context.Context, in batchIn) (batchOut, error) {
		day, err := clock.Call(ctx, struct{}{})
		if err != nil {
			return batchOut{}, err
		}
		out := batchOut{Day: day}
		for _, o := range in.Orders {
			r, err := place.Call(ctx, o)
			if err != nil {
				out.Failed++
				continue
			}
			out.Placed = append(out.Placed, r)
		}
		return out, nil
	}, task.WithBoundaries(clock, place), task.WithTracerProvider(tp))
	return s
}

// collectorTasks names every task of collectorServices, for reading their
// records back.
var collectorTasks = []string{"placeOrder", "renderReport", "nightlyBatch"}

// run makes the n-th top-level run of the mix, in a trace of its own, and
// returns that trace's id. Every other pair of six runs is under an HTTP
// handler's span, outside the convention; the others' task-run span is the
// root. A run's own error is its scenario's, not the test's.
func (s *collectorServices) run(ctx context.Context, n int) trace.TraceID {
	if (n/6)%2 == 0 {
		ctx, root := s.tracer.Start(ctx, "POST /jobs", trace.WithNewRoot())
		defer root.End()
		s.scenario(ctx, n)
		return root.SpanContext().TraceID()
	}
	rec := s.scenario(ctx, n)
	id, _ := trace.TraceIDFromHex(rec.Metadata[otelrecord.MetadataTraceID])
	return id
}

// scenario makes run n of the mix under ctx and returns its record.
func (s *collectorServices) scenario(ctx context.Context, n int) *otelrecord.ExecutionRecord {
	order := func(i int) orderIn {
		items := make([]orderItem, 1+i%4)
		for k := range items {
			items[k] = orderItem{SKU: fmt.Sprintf("sku-%d", k), Qty: 1 + k}
		}
		return orderIn{OrderID: i + 1, Card: "4242-4242-4242-4242", Items: items}
	}
	var rec *otelrecord.ExecutionRecord
	switch n % 6 {
	case 0: // several boundary calls, a success
		_, rec, _ = s.order.SafeRun(ctx, order(n))
	case 1: // the first call fails
		in := order(n)
		in.Items = append([]orderItem{{SKU: soldOut, Qty: 1}}, in.Items...)
		_, rec, _ = s.order.SafeRun(ctx, in)
	case 2: // the payment fails
		in := order(n)
		in.Card = declinedCard
		_, rec, _ = s.order.SafeRun(ctx, in)
	case 3: // payloads under and past the limit
		_, rec, _ = s.report.SafeRun(ctx, reportReq{Rows: 50 + (n*37)%1200})
	case 4: // nested runs, one of them failing
		bad := order(n + 1)
		bad.Card = declinedCard
		_, rec, _ = s.batch.SafeRun(ctx, batchIn{Orders: []orderIn{order(n), bad, order(n + 2)}})
	default: // invalid input: no items
		_, rec, _ = s.order.SafeRun(ctx, orderIn{OrderID: n + 1, Card: "4242-4242-4242-4242"})
	}
	return rec
}
