// Package ui is the records UI of a Hive server: pages that show the tasks a
// server stores records of, a task's records and one record, with the
// timeline of its boundary calls, served under /ui/ by "hive serve".
//
// Pages:
//
//	GET  /ui/                                     tasks: runs, error rate, p50/p95, last run
//	GET  /ui/tasks/{task}/logs                    a task's records, newest first, filtered and paged
//	GET  /ui/tasks/{task}/logs/{uuid}             one record, its timeline and its quality form
//	GET  /ui/tasks/{task}/logs/{uuid}/calls       a record's calls of one boundary, paged
//	POST /ui/tasks/{task}/logs/{uuid}/quality     sets the record's quality
//	GET  /ui/login, POST /ui/login, POST /ui/logout
//	GET  /ui/static/…                             the embedded stylesheet and script
//
// Every page but the login page and the static files needs the API's
// credentials: an "Authorization: Bearer <apiKey>:<apiSecret>" header, or
// the session cookie the login page sets after checking the same
// credentials (failures count against the server's throttle). The cookie is
// signed and stateless: it carries its expiry, and is signed with the key
// given with WithSessionKey or, without it, a key derived from the API
// secret, so every replica sharing the secret accepts it. It is HttpOnly,
// SameSite=Strict, and Secure when the request came over TLS. A visitor
// without either is redirected to the login page.
//
// Forms that change something are protected against cross-site requests
// twice: http.CrossOriginProtection refuses cross-origin browser requests,
// and each form carries a token bound to the session. Every answer has a
// Content-Security-Policy that allows only the UI's own stylesheet and
// script; every value from a record goes through html/template, so a record
// holding markup or javascript: URLs renders inert.
//
// Records with many boundary calls stay usable: up to WithTimelineBars calls
// are drawn one bar each; beyond that, calls are grouped by boundary and time
// into at most that many bars, each linking to the paged list of its calls.
//
// The handler is mounted on a server with server.WithUI(ui.Mount(...)).
package ui
