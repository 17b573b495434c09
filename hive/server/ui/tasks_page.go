package ui

import (
	"net/http"

	"github.com/hivetrace/hivetrace/hive/server"
)

// tasksData is what the tasks page shows.
type tasksData struct {
	Filters     filters
	Rows        []taskRow
	Unavailable bool // the store cannot summarize tasks
	Projects    int
}

// taskRow is one task of the list.
type taskRow struct {
	server.TaskStats
	URL       string
	ErrorRate string
	P50, P95  string
	LastRun   string
}

// handleTasks lists the tasks with their runs within the chosen time range:
// GET /ui/?project=&range=&since=&until=.
func (h *Handler) handleTasks(w http.ResponseWriter, r *http.Request, v visitor) {
	f, err := parseFilters(r.URL.Query(), h.now())
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	f.Type, f.MinQuality = "", nil // not filters of this page
	d := tasksData{Filters: f}
	if h.stats == nil {
		d.Unavailable = true
	} else {
		stats, err := h.stats.TaskStats(r.Context(), server.TaskStatsQuery{ProjectUUID: f.Project, Since: f.Since, Until: f.Until})
		if err != nil {
			h.storeFailure(w, r, "summarize the tasks", err)
			return
		}
		projects := map[string]bool{}
		link := f.rangeOnly()
		for _, s := range stats {
			projects[s.ProjectUUID] = true
			lf := link
			lf.Project = s.ProjectUUID
			d.Rows = append(d.Rows, taskRow{
				TaskStats: s,
				URL:       logsURL(s.TaskName, lf.values()),
				ErrorRate: formatPercent(s.Errors, s.Runs),
				P50:       formatDuration(s.P50),
				P95:       formatDuration(s.P95),
				LastRun:   formatTime(s.LastRun),
			})
		}
		d.Projects = len(projects)
	}
	h.render(w, r, http.StatusOK, "tasks", page{Title: "Tasks", Visitor: &v, Data: d})
}
