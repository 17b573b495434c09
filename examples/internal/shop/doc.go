// Package shop is the small domain the examples share: a task that builds a
// user report from a profile API (a real HTTP call through an otelhttp
// transport) and an orders database (a real SQLite query), plus the fake
// profile API and the seeded database the examples run against.
//
// The example service (examples/service) serves the task; the replay program
// (examples/replay) rebuilds the same task to replay records of it, which is
// why both import it from here.
package shop
