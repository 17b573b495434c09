package ui

import (
	"net/url"
)

// logsURL is the address of a task's records page, with query q (may be nil).
func logsURL(task string, q url.Values) string {
	return withQuery(uiPrefix+"tasks/"+url.PathEscape(task)+"/logs", q)
}

// recordURL is the address of a record's page.
func recordURL(task, uuid, project string) string {
	return withQuery(uiPrefix+"tasks/"+url.PathEscape(task)+"/logs/"+url.PathEscape(uuid), projectQuery(project))
}

// recordSubURL is the address of a page under a record's (sub is "calls",
// "quality"), with query q.
func recordSubURL(task, uuid, sub string, q url.Values) string {
	return withQuery(uiPrefix+"tasks/"+url.PathEscape(task)+"/logs/"+url.PathEscape(uuid)+"/"+sub, q)
}

// projectQuery is the query naming a project; empty for none.
func projectQuery(project string) url.Values {
	if project == "" {
		return nil
	}
	return url.Values{"project": {project}}
}

// withQuery appends q to path.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
