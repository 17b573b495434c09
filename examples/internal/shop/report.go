package shop

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// Names of the task and its boundaries, as records carry them.
const (
	ReportTask       = "getUserReport"
	FetchProfileName = "fetchProfile"
	QueryOrdersName  = "queryOrders"
)

// ReportInput is the input of the report task.
type ReportInput struct {
	UserID int `json:"userId" validate:"required,gt=0"`
}

// Report is the output of the report task.
type Report struct {
	UserID int     `json:"userId"`
	Name   string  `json:"name"`
	Email  string  `json:"email"`
	Orders int     `json:"orders"`
	Total  float64 `json:"total"`
}

// Deps are what the boundaries reach. A zero Deps is valid: the boundaries
// then fail when really called, which is fine for replays that answer them
// from a record.
type Deps struct {
	// DB is the orders database (see OpenDB).
	DB *sql.DB
	// ProfilesURL is the base URL of the profile API; a profile is read
	// from ProfilesURL + "/profiles/{id}".
	ProfilesURL string
	// HTTPClient calls the profile API; nil means a client with an otelhttp
	// transport on the global TracerProvider.
	HTTPClient *http.Client
}

// Shop holds the report task and its two boundaries.
type Shop struct {
	// FetchProfile reads a user's profile from the profile API.
	FetchProfile *boundary.Boundary[int, Profile]
	// QueryOrders sums a user's orders in the database.
	QueryOrders *boundary.Boundary[int, OrderSummary]
	// Report is the getUserReport task.
	Report *task.Task[ReportInput, Report]
}

// New returns the shop's task and boundaries wired to d; opts configure the
// task (tracer provider, modes, …).
func New(d Deps, opts ...task.Option) *Shop {
	hc := d.HTTPClient
	if hc == nil {
		hc = NewHTTPClient()
	}
	s := &Shop{
		FetchProfile: boundary.New(FetchProfileName, profileFetcher(hc, d.ProfilesURL)),
		QueryOrders:  boundary.New(QueryOrdersName, ordersQuery(d.DB)),
	}
	opts = append([]task.Option{
		task.WithDescription("Build a user's report from the profile API and the orders database"),
		task.WithBoundaries(s.FetchProfile, s.QueryOrders),
	}, opts...)
	s.Report = task.New(ReportTask, s.report, opts...)
	return s
}

// report is the task function: every call to the outside goes through a
// boundary, so a record of it can be replayed without the network or the
// database.
func (s *Shop) report(ctx context.Context, in ReportInput) (Report, error) {
	p, err := s.FetchProfile.Call(ctx, in.UserID)
	if err != nil {
		return Report{}, err
	}
	_ = task.SetMetadata(ctx, "userName", p.Name)
	o, err := s.QueryOrders.Call(ctx, in.UserID)
	if err != nil {
		return Report{}, err
	}
	if m, err := otelrecord.NewMetric("business", "orderTotal", o.Total); err == nil {
		_ = task.SetMetrics(ctx, m)
	}
	return Report{UserID: in.UserID, Name: p.Name, Email: p.Email, Orders: o.Count, Total: o.Total}, nil
}
