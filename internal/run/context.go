package run

import "context"

type contextKey struct{}

// NewContext returns a copy of ctx carrying r: boundary calls made with the
// returned context (or one derived from it) belong to r.
func NewContext[M any](ctx context.Context, r *Run[M]) context.Context {
	return context.WithValue(ctx, contextKey{}, r)
}

// FromContext returns the run ctx carries, or nil (also for a nil ctx, and
// for a run of another mode type).
func FromContext[M any](ctx context.Context) *Run[M] {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(contextKey{}).(*Run[M])
	return r
}
