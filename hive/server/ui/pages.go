package ui

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

//go:embed templates
var templateFiles embed.FS

// pageNames are the pages, each templates/<name>.html rendered inside
// templates/layout.html.
var pageNames = []string{"login", "error", "tasks", "logs", "record", "calls"}

// pages holds the parsed templates, one set a page.
type pages struct {
	sets map[string]*template.Template
}

// mustParsePages parses the embedded templates. They are part of the
// binary and covered by the tests, so a failure is a build defect.
func mustParsePages() *pages {
	p := &pages{sets: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t := template.New("layout.html").Funcs(templateFuncs)
		p.sets[name] = template.Must(t.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// page is what the layout shows around a page's own content.
type page struct {
	// Title is the page title.
	Title string
	// Crumbs lead from the tasks page to this one.
	Crumbs []crumb
	// Visitor is who is looking; nil on the login and error pages.
	Visitor *visitor
	// Data is the page's own data.
	Data any
}

// crumb is a link of the breadcrumb trail.
type crumb struct {
	Label string
	URL   string
}

// LoggedIn reports whether the visitor came with a session cookie, so the
// layout offers to log out.
func (p page) LoggedIn() bool { return p.Visitor != nil && p.Visitor.via == viaCookie }

// CSRF is the token of the visitor's forms.
func (p page) CSRF() string {
	if p.Visitor == nil {
		return ""
	}
	return p.Visitor.csrf
}

// render writes the page name with status. The page is rendered to memory
// first, so a template failure becomes a 500 instead of a cut page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := h.pages.sets[name].Execute(&buf, p); err != nil {
		h.logger.ErrorContext(r.Context(), "hive ui: render page", "page", name, "path", r.URL.Path, "error", err)
		http.Error(w, "hive ui: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// errorPage answers status with a page saying msg.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", page{Title: http.StatusText(status), Data: struct {
		Status  int
		Message string
	}{status, msg}})
}

// templateFuncs are the helpers the templates use.
var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"ms":   formatMs,
	"time": formatTime,
	"dur":  formatDuration,
	"pct":  formatPercent,
	// coord formats a bar's position in the timeline's SVG coordinates.
	"coord": func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) },
}
