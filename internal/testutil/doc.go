// Package testutil holds small helpers shared by the tests of several
// hivetrace packages. It is imported by tests only.
package testutil
