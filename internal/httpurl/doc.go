// Package httpurl holds the one rule for the http and https URLs a user
// gives to reach a server (a Hive host, Jaeger's query API, a task's invoke
// URL): Parse accepts an absolute http or https URL, and Base, for a URL
// that request paths are appended to, also refuses a query or fragment and
// drops trailing slashes.
package httpurl
