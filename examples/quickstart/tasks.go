package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// userInput is the input of getUserReport.
type userInput struct {
	UserID int `json:"userId" validate:"required,gt=0"`
}

// user is what the fetchUser boundary returns.
type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// report is the output of getUserReport.
type report struct {
	Name  string  `json:"name"`
	Total float64 `json:"total"`
}

// digestInput is the input of weeklyDigest.
type digestInput struct {
	UserIDs []int `json:"userIds" validate:"required,min=1"`
}

// digest is the output of weeklyDigest.
type digest struct {
	Reports []report `json:"reports"`
	Total   float64  `json:"total"`
}

// world stands in for the outside world: a user directory and an orders
// service. realCalls counts the calls that really reached it.
type world struct {
	mu        sync.Mutex
	users     map[int]string
	orders    map[int][]float64
	realCalls atomic.Int64
}

func newWorld() *world {
	return &world{
		users:  map[int]string{1: "Ada", 2: "Grace"},
		orders: map[int][]float64{1: {12.5, 7.5}, 2: {30}},
	}
}

func (w *world) fetchUser(_ context.Context, id int) (user, error) {
	w.realCalls.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	name, ok := w.users[id]
	if !ok {
		return user{}, fmt.Errorf("user %d not found", id)
	}
	return user{ID: id, Name: name}, nil
}

func (w *world) fetchOrders(_ context.Context, id int) ([]float64, error) {
	w.realCalls.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]float64(nil), w.orders[id]...), nil
}

// tasks are the quickstart's tasks and boundaries.
type tasks struct {
	fetchUser   *boundary.Boundary[int, user]
	fetchOrders *boundary.Boundary[int, []float64]
	report      *task.Task[userInput, report]
	digest      *task.Task[digestInput, digest]
}

func newTasks(w *world) *tasks {
	ts := &tasks{
		fetchUser:   boundary.New("fetchUser", w.fetchUser),
		fetchOrders: boundary.New("fetchOrders", w.fetchOrders),
	}
	ts.report = task.New("getUserReport", func(ctx context.Context, in userInput) (report, error) {
		u, err := ts.fetchUser.Call(ctx, in.UserID)
		if err != nil {
			return report{}, err
		}
		orders, err := ts.fetchOrders.Call(ctx, in.UserID)
		if err != nil {
			return report{}, err
		}
		var total float64
		for _, o := range orders {
			total += o
		}
		_ = task.SetMetadata(ctx, "userName", u.Name)
		if m, err := otelrecord.NewMetric("business", "orderTotal", total); err == nil {
			_ = task.SetMetrics(ctx, m)
		}
		return report{Name: u.Name, Total: total}, nil
	}, task.WithDescription("A user's name and order total"), task.WithBoundaries(ts.fetchUser, ts.fetchOrders))

	// weeklyDigest calls getUserReport as a boundary: each call is recorded
	// in the digest's record, and makes a record of its own.
	reportB := ts.report.AsBoundary()
	ts.digest = task.New("weeklyDigest", func(ctx context.Context, in digestInput) (digest, error) {
		var d digest
		for _, id := range in.UserIDs {
			r, err := reportB.Call(ctx, userInput{UserID: id})
			if err != nil {
				return d, err
			}
			d.Reports = append(d.Reports, r)
			d.Total += r.Total
		}
		_ = task.SetMetadata(ctx, "users", fmt.Sprint(len(in.UserIDs)))
		if m, err := otelrecord.NewMetric("business", "digestTotal", d.Total); err == nil {
			_ = task.SetMetrics(ctx, m)
		}
		return d, nil
	}, task.WithDescription("Reports of several users"), task.WithBoundaries(reportB))
	return ts
}
