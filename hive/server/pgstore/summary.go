package pgstore

import (
	"encoding/json"
	"fmt"

	"github.com/hivetrace/hivetrace/hive/server"
)

// summaryColumns are, for the records of one insert, the columns of logs
// that hold what listings filter on and statistics read, filled from each
// record (server.SummarizeRecord) and its quality (server.QualityScore), so
// that no query reads records:
//
//   - outcome: the record's type, empty when it has none;
//   - run_start: the run's start in Unix nanoseconds (timing.startTime, else
//     created_at);
//   - duration: the run's duration in nanoseconds, NULL without timing;
//   - quality_score: the quality's score, NULL without one.
type summaryColumns struct {
	outcomes  []string
	runStarts []int64
	durations []*int64
	scores    []*float64
}

// add appends the columns of a record about to be inserted (CreatedAt
// stamped).
func (c *summaryColumns) add(e *server.StoredLog) {
	sum := server.SummarizeRecord(e.Record)
	c.outcomes = append(c.outcomes, sum.Type)
	c.runStarts = append(c.runStarts, nanos(sum.RunStart(e.CreatedAt)))
	var d *int64
	if sum.HasDuration {
		d = new(int64(sum.Duration))
	}
	c.durations = append(c.durations, d)
	c.scores = append(c.scores, qualityScore(e.Quality))
}

// qualityScore returns the quality_score column of a quality: its score, or
// nil (NULL).
func qualityScore(quality json.RawMessage) *float64 {
	if quality == nil {
		return nil
	}
	if score, ok := server.QualityScore(quality); ok {
		return &score
	}
	return nil
}

// filterQuery appends to a listing query the conditions of q's filters,
// and their arguments to args.
func filterQuery(query string, args []any, q server.LogQuery) (string, []any) {
	cond := func(format string, v any) {
		args = append(args, v)
		query += fmt.Sprintf(format, len(args))
	}
	if q.Type != "" {
		cond(` AND l.outcome = $%d`, q.Type)
	}
	if !q.Since.IsZero() {
		cond(` AND l.run_start >= $%d`, server.BoundNanos(q.Since))
	}
	if !q.Until.IsZero() {
		cond(` AND l.run_start < $%d`, server.BoundNanos(q.Until))
	}
	if q.MinQuality != nil {
		cond(` AND l.quality_score >= $%d`, *q.MinQuality)
	}
	return query, args
}
