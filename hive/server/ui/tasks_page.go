package ui

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/hivetrace/hivetrace/hive/server"
)

// tasksData is what the tasks page shows.
type tasksData struct {
	Filters     filters
	Rows        []taskRow
	Unavailable bool // the store cannot summarize tasks
	Projects    int
	// ProjectOptions are the choices of the project picker: the projects
	// of the tasks listed (with every project) or, once one is chosen, that
	// one; the picker shows when there is a choice to make or undo.
	ProjectOptions []projectOption
}

// projectOption is one project of the picker.
type projectOption struct {
	UUID, Name string
	Selected   bool
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
		d.ProjectOptions = projectOptions(stats, f.Project)
	}
	h.render(w, r, http.StatusOK, "tasks", page{Title: "Tasks", Visitor: &v, Data: d})
}

// projectOptions returns the picker's projects, ordered by name then uuid:
// those of stats, or only the chosen one when the page is scoped to it.
func projectOptions(stats []server.TaskStats, chosen string) []projectOption {
	seen := map[string]bool{}
	var opts []projectOption
	for _, s := range stats {
		if seen[s.ProjectUUID] || (chosen != "" && s.ProjectUUID != chosen) {
			continue
		}
		seen[s.ProjectUUID] = true
		opts = append(opts, projectOption{UUID: s.ProjectUUID, Name: cmp.Or(s.ProjectName, s.ProjectUUID), Selected: s.ProjectUUID == chosen})
	}
	if chosen != "" && len(opts) == 0 { // a project without tasks
		opts = append(opts, projectOption{UUID: chosen, Name: chosen, Selected: true})
	}
	slices.SortFunc(opts, func(a, b projectOption) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UUID, b.UUID))
	})
	return opts
}
