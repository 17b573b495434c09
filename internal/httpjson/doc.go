// Package httpjson writes the JSON answers of the project's HTTP handlers
// (the Hive server's API, a task's http.Handler) with one rule for headers,
// encoding, and what is sent when a value does not encode.
package httpjson
