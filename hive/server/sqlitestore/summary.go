package sqlitestore

import (
	"encoding/json"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// summaryColumns are the columns of logs that hold what listings filter on
// and statistics read, filled from the record (server.SummarizeRecord) and
// its quality (server.QualityScore) whenever those are written, so that no
// query reads records.
//
//   - outcome: the record's type, empty when it has none;
//   - run_start: the run's start in Unix nanoseconds (timing.startTime, else
//     created_at);
//   - duration: the run's duration in nanoseconds, NULL without timing;
//   - quality_score: the quality's score, NULL without one.
type summaryColumns struct {
	outcome  string
	runStart int64
	duration any // int64 or nil
}

// summarize returns the summary columns of a record stored at createdAt.
func summarize(record json.RawMessage, createdAt time.Time) summaryColumns {
	sum := server.SummarizeRecord(record)
	c := summaryColumns{outcome: sum.Type, runStart: nanos(sum.RunStart(createdAt))}
	if sum.HasDuration {
		c.duration = int64(sum.Duration)
	}
	return c
}

// qualityScore returns the quality_score column of a quality: its score, or
// nil (NULL).
func qualityScore(quality json.RawMessage) any {
	if quality == nil {
		return nil
	}
	if score, ok := server.QualityScore(quality); ok {
		return score
	}
	return nil
}
