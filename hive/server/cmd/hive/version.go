package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// version is the release this source is (hivetrace's one version,
// otelrecord.Version). A binary built from a tagged module (go install
// …@v1.2.3) reports the module's version instead; a build from a checkout
// (the module version "(devel)", or a pseudo-version Go derives from the
// VCS) reports this one, with the revision.
const version = otelrecord.Version

// buildVersion describes the running binary from its build information:
// the version, the module and its version, the VCS revision and time (with
// "modified" for a build of uncommitted changes) and the Go version.
type buildVersion struct {
	Version, Module, ModuleVersion, Revision, Time, GoVersion string
	Modified                                                  bool
}

// readBuildVersion reads the build information of the running binary;
// without any (a binary built without module support) it knows the version
// constant and the Go version only.
func readBuildVersion() buildVersion {
	v := buildVersion{Version: version, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module, v.ModuleVersion = info.Main.Path, info.Main.Version
	if isRelease(info.Main.Version) {
		v.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		v.GoVersion = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// write prints the version, then one line per known detail.
func (v buildVersion) write(w io.Writer) {
	fmt.Fprintf(w, "hive %s\n", v.Version)
	if v.Module != "" {
		fmt.Fprintf(w, "module:   %s %s\n", v.Module, v.ModuleVersion)
	}
	if v.Revision != "" {
		rev := v.Revision
		if v.Modified {
			rev += " (modified)"
		}
		fmt.Fprintf(w, "revision: %s\n", rev)
	}
	if v.Time != "" {
		fmt.Fprintf(w, "time:     %s\n", v.Time)
	}
	fmt.Fprintf(w, "go:       %s\n", v.GoVersion)
}

// runVersion runs "hive version" and "hive --version".
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageError(stderr, "hive version", "unexpected arguments %q", args)
	}
	readBuildVersion().write(stdout)
	return exitOK
}

// pseudoVersion matches the timestamp and revision of a Go pseudo-version
// (v0.0.0-20260102150405-abcdef123456).
var pseudoVersion = regexp.MustCompile(`\d{14}-[0-9a-f]{12}`)

// isRelease reports whether a module version names a release: not empty,
// not "(devel)", not a pseudo-version and not a build of modified sources.
func isRelease(v string) bool {
	return v != "" && v != "(devel)" && !strings.HasSuffix(v, "+dirty") && !pseudoVersion.MatchString(v)
}
