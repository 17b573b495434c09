package server

import (
	"context"
	"slices"
	"strings"
	"time"
)

// logFacts is what a memoryStore's filters and statistics read of a record.
type logFacts struct {
	typ         string
	runStart    time.Time
	duration    time.Duration
	hasDuration bool
	score       float64
	hasScore    bool
}

// putLog stores e and what filters read of it. m.mu must be held for
// writing.
func (m *memoryStore) putLog(e StoredLog) {
	key := e.Key()
	m.logs[key] = e
	sum := SummarizeRecord(e.Record)
	f := logFacts{typ: sum.Type, runStart: sum.RunStart(e.CreatedAt), duration: sum.Duration, hasDuration: sum.HasDuration}
	if e.Quality != nil {
		f.score, f.hasScore = QualityScore(e.Quality)
	}
	m.facts[key] = f
}

// inRange reports whether the run started within [since, until), a zero
// bound being open.
func (f logFacts) inRange(since, until time.Time) bool {
	return (since.IsZero() || !f.runStart.Before(since)) && (until.IsZero() || f.runStart.Before(until))
}

// selected reports whether q's filters keep the record.
func (f logFacts) selected(q LogQuery) bool {
	switch {
	case q.Type != "" && f.typ != q.Type,
		!f.inRange(q.Since, q.Until),
		q.MinQuality != nil && (!f.hasScore || f.score < *q.MinQuality):
		return false
	}
	return true
}

var _ TaskStatser = (*memoryStore)(nil)

// TaskStats implements TaskStatser.
func (m *memoryStore) TaskStats(ctx context.Context, q TaskStatsQuery) ([]TaskStats, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	type taskRef struct{ project, name string }
	byTask := map[taskRef]*TaskStats{}
	out := []TaskStats{}
	for pid, tasks := range m.tasks {
		if q.ProjectUUID != "" && pid != q.ProjectUUID {
			continue
		}
		for _, t := range tasks {
			out = append(out, TaskStats{ProjectUUID: pid, ProjectName: m.projects[pid].Name, TaskName: t.Name, TaskUUID: t.UUID})
		}
	}
	slices.SortFunc(out, func(a, b TaskStats) int {
		if c := strings.Compare(a.TaskName, b.TaskName); c != 0 {
			return c
		}
		return strings.Compare(a.ProjectUUID, b.ProjectUUID)
	})
	for i := range out {
		byTask[taskRef{out[i].ProjectUUID, out[i].TaskName}] = &out[i]
	}
	durations := map[*TaskStats][]time.Duration{}
	for k, f := range m.facts {
		st := byTask[taskRef{k.ProjectUUID, k.TaskName}]
		if st == nil || !f.inRange(q.Since, q.Until) {
			continue
		}
		st.Runs++
		if f.typ == TypeError {
			st.Errors++
		}
		if f.runStart.After(st.LastRun) {
			st.LastRun = f.runStart
		}
		if f.hasDuration {
			durations[st] = append(durations[st], f.duration)
		}
	}
	for st, ds := range durations {
		slices.Sort(ds)
		n := int64(len(ds))
		st.P50, st.P95 = ds[PercentileOffset(0.5, n)], ds[PercentileOffset(0.95, n)]
	}
	return out, nil
}
