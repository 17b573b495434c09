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
// the prefixes their layers add (layerPrefixes: the command names itself)
// and with line breaks folded.
func errorLine(err error) string {
	var apiErr *hive.APIError
	var msg string
	if errors.As(err, &apiErr) {
		msg = fmt.Sprintf("the server answered %d %s to %s %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Method, apiErr.Path)
		if apiErr.Message != "" {
			msg += ": " + apiErr.Message
		}
	} else {
		msg = err.Error()
		for _, p := range layerPrefixes {
			msg = strings.TrimPrefix(msg, p)
			msg = strings.ReplaceAll(msg, ": "+p, ": ")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// layerPrefixes are the prefixes the packages the commands use put on their
// errors, which the command's own name replaces.
var layerPrefixes = []string{"hive: ", "jaegerquery: "}
