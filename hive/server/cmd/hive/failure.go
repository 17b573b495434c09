package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hivetrace/hivetrace/hive"
)

// fail reports a failed command on one line, "cmd: what went wrong", and
// returns exitError.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "%s: %s\n", cmd, errorLine(err))
	return exitError
}

// errorLine words err for one line of a command's output: a Hive server's
// refusal as the status and the server's reason, and other errors without
// the "hive: " prefixes their layers add (the command names itself) and
// with line breaks folded.
func errorLine(err error) string {
	var apiErr *hive.APIError
	var msg string
	if errors.As(err, &apiErr) {
		msg = fmt.Sprintf("the server answered %d %s to %s %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Method, apiErr.Path)
		if apiErr.Message != "" {
			msg += ": " + apiErr.Message
		}
	} else {
		msg = strings.TrimPrefix(err.Error(), "hive: ")
		msg = strings.ReplaceAll(msg, ": hive: ", ": ")
	}
	return strings.Join(strings.Fields(msg), " ")
}
