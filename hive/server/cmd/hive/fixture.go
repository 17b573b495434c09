package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/hivetrace/hivetrace/hive"
)

const fixtureUsage = `Usage:
  hive fixture download UUID [--project P] [-o FILE]

Downloads the record with the uuid from a Hive server as a fixture, the file
the forge CLI saves with fixture:download and replays with task:replay
({"fixtureUUID","name","taskName","projectName","type","input","output",
"boundaries","context",…}), and writes it to stdout or to FILE.

A uuid may name records of several tasks or projects: --project narrows the
lookup to one project; without it, a uuid stored in several places fails
with the list of them.
`

const fixtureDownloadUsage = fixtureUsage + `
Flags:
`

type fixtureOptions struct {
	clientOptions
	out string
}

func newFixtureFlags(o *fixtureOptions) *flag.FlagSet {
	fs := newFlagSet("hive fixture download")
	fs.StringVar(&o.out, "o", "", "write the fixture to `FILE` instead of stdout")
	addClientFlags(fs, &o.clientOptions)
	return fs
}

// runFixture dispatches "hive fixture download".
func runFixture(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatch(ctx, "hive fixture", fixtureUsage, map[string]subcommand{"download": runFixtureDownload}, args, stdout, stderr)
}

// runFixtureDownload runs "hive fixture download".
func runFixtureDownload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o fixtureOptions
	fs := newFixtureFlags(&o)
	pos, code, ok := parseOrUsage(fs, args, fixtureDownloadUsage, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(stderr, fs.Name(), "want one record UUID, got %d arguments", len(pos))
	}
	client, release, err := newClient(o.clientOptions, stderr)
	if err != nil {
		return usageError(stderr, fs.Name(), "%v", err)
	}
	defer release()

	f, err := client.GetFixture(ctx, pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), describeFixtureError(o.withEnv().host, pos[0], err))
		return exitError
	}
	var out bytes.Buffer
	if err := json.Indent(&out, f.Raw, "", "  "); err != nil {
		fmt.Fprintf(stderr, "%s: the server's fixture is not valid JSON: %v\n", fs.Name(), err)
		return exitError
	}
	out.WriteByte('\n')
	if o.out == "" {
		_, err = stdout.Write(out.Bytes())
	} else {
		err = os.WriteFile(o.out, out.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: write the fixture: %v\n", fs.Name(), err)
		return exitError
	}
	return exitOK
}

// describeFixtureError words a failed download in one line: the server's
// message and status for an answer, the server it could not reach, and
// otherwise what stopped the request, worded as errorLine words it.
func describeFixtureError(host, uuid string, err error) string {
	var apiErr *hive.APIError
	var urlErr *url.Error
	switch {
	case errors.As(err, &apiErr):
		msg := apiErr.Message
		if msg == "" {
			msg = "record " + uuid
		}
		return fmt.Sprintf("%s (%d %s)", msg, apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
	case errors.Is(err, hive.ErrNetwork) && errors.As(err, &urlErr):
		return fmt.Sprintf("cannot reach the Hive server at %s: %v", host, urlErr.Err)
	default:
		return errorLine(err)
	}
}
