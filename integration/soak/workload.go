package main

import (
	"context"
	"strings"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/task"
)

// workload is the task the producer runs: three boundary calls whose
// payloads make a record of about 1 KB.
type workload struct {
	task  *task.Task[order, receipt]
	input order
}

type order struct {
	Customer int    `json:"customer"`
	Region   string `json:"region"`
}

type customer struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

type stock struct {
	SKU       string `json:"sku"`
	Available int    `json:"available"`
	Warehouse string `json:"warehouse"`
}

type quote struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
	Terms    string  `json:"terms"`
}

type receipt struct {
	Customer string  `json:"customer"`
	Total    float64 `json:"total"`
	Note     string  `json:"note"`
}

func newWorkload() *workload {
	filler := func(n int) string { return strings.Repeat("x", n) }
	fetchCustomer := boundary.New("fetchCustomer", func(_ context.Context, id int) (customer, error) {
		return customer{ID: id, Name: "Ada Lovelace", Address: filler(48)}, nil
	})
	checkStock := boundary.New("checkStock", func(_ context.Context, sku string) (stock, error) {
		return stock{SKU: sku, Available: 12, Warehouse: filler(40)}, nil
	})
	priceQuote := boundary.New("priceQuote", func(_ context.Context, region string) (quote, error) {
		return quote{Amount: 42.5, Currency: "EUR", Terms: filler(40)}, nil
	})
	t := task.New("soakOrder", func(ctx context.Context, in order) (receipt, error) {
		c, err := fetchCustomer.Call(ctx, in.Customer)
		if err != nil {
			return receipt{}, err
		}
		if _, err := checkStock.Call(ctx, "sku-"+in.Region); err != nil {
			return receipt{}, err
		}
		q, err := priceQuote.Call(ctx, in.Region)
		if err != nil {
			return receipt{}, err
		}
		return receipt{Customer: c.Name, Total: q.Amount, Note: filler(24)}, nil
	}, task.WithBoundaries(fetchCustomer, checkStock, priceQuote))
	return &workload{task: t, input: order{Customer: 7, Region: "eu-west"}}
}
