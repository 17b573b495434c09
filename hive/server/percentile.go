package server

import "math"

// PercentileOffset returns the 0-based position, in n values sorted in
// ascending order, of their p-th quantile (0 < p <= 1) as PostgreSQL's
// percentile_disc chooses it: the first value whose cumulative share
// reaches p, that is position ceil(p*n)-1, computed in float64 as
// PostgreSQL does. It returns 0 when n <= 1, and never more than n-1.
// Every store picks TaskStats percentiles with it, so they agree.
func PercentileOffset(p float64, n int64) int64 {
	if n <= 1 {
		return 0
	}
	k := int64(math.Ceil(p*float64(n))) - 1
	return min(max(k, 0), n-1)
}
