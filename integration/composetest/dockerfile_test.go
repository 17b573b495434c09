package composetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Line int    // 1-based line where it starts
	Cmd  string // upper case: FROM, RUN, COPY, ...
	Args string
}

// parseDockerfile splits a Dockerfile into instructions. It knows comments,
// blank lines and backslash line continuations (comment lines inside a
// continuation are skipped, as Docker does), which is all this repository's
// Dockerfile uses; heredocs and a changed escape character are not supported.
func parseDockerfile(src string) ([]instruction, error) {
	var (
		out  []instruction
		cur  strings.Builder
		from int
	)
	flush := func() error {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(text, " ")
		if cmd == "" || strings.ContainsAny(cmd, "\t=\"'") {
			return fmt.Errorf("line %d: %q is not an instruction", from, text)
		}
		out = append(out, instruction{Line: from, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)})
		return nil
	}
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			from = i + 1
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body)
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(trimmed)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: continuation runs past the end of the file", from)
	}
	return out, nil
}

// stage is one FROM section of a multi-stage Dockerfile.
type stage struct {
	Name         string // "" when unnamed
	Base         string
	Instructions []instruction
}

type stages []stage

func (s stages) names() []string {
	var n []string
	for _, st := range s {
		n = append(n, st.Name)
	}
	return n
}

func (s stages) get(name string) (stage, bool) {
	for _, st := range s {
		if st.Name == name {
			return st, true
		}
	}
	return stage{}, false
}

// args returns the values of instructions cmd in the stage.
func (st stage) args(cmd string) []string {
	var out []string
	for _, in := range st.Instructions {
		if in.Cmd == cmd {
			out = append(out, in.Args)
		}
	}
	return out
}

// splitStages groups instructions by FROM. Instructions before the first
// FROM (ARG) are returned as a stage with the name "".
func splitStages(ins []instruction) (stages, error) {
	out := stages{{}}
	for _, in := range ins {
		if in.Cmd != "FROM" {
			out[len(out)-1].Instructions = append(out[len(out)-1].Instructions, in)
			continue
		}
		f := strings.Fields(in.Args)
		for len(f) > 0 && strings.HasPrefix(f[0], "--") { // --platform=...
			f = f[1:]
		}
		st := stage{}
		switch {
		case len(f) == 1:
			st.Base = f[0]
		case len(f) == 3 && strings.EqualFold(f[1], "AS"):
			st.Base, st.Name = f[0], f[2]
		default:
			return nil, fmt.Errorf("line %d: FROM %s", in.Line, in.Args)
		}
		out = append(out, st)
	}
	return out, nil
}

func loadDockerfile(t *testing.T) stages {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	ins, err := parseDockerfile(string(data))
	require.NoError(t, err)
	st, err := splitStages(ins)
	require.NoError(t, err)
	return st
}

// execForm decodes a JSON-array (exec form) instruction argument.
func execForm(t *testing.T, args string) []string {
	t.Helper()
	var l []string
	require.NoError(t, json.Unmarshal([]byte(args), &l), "exec form expected: %s", args)
	return l
}

func TestDockerfileStages(t *testing.T) {
	st := loadDockerfile(t)
	require.NotEmpty(t, st)
	assert.Equal(t, HiveTarget, st[len(st)-1].Name, "the Hive server is the default (last) target")

	hive, ok := st.get(HiveTarget)
	require.True(t, ok, "no stage %q", HiveTarget)
	assert.Contains(t, hive.args("EXPOSE"), strconv.Itoa(HivePort))
	assert.Contains(t, hive.args("VOLUME"), HiveDataDir)
	entry := hive.args("ENTRYPOINT")
	require.Len(t, entry, 1)
	cmd := hive.args("CMD")
	require.Len(t, cmd, 1)
	// The image's default command is the one docker-compose.yaml spells
	// out, but for --db: there the database is HIVE_DATABASE_URL's.
	compose := service(t, loadCompose(t), HiveService)
	assert.Equal(t, []string(compose.Command), withoutFlag(execForm(t, cmd[0]), "db"))
	assert.Equal(t, HiveDataDir, filepath.Dir(flagValue(execForm(t, cmd[0]), "db")), "the image's SQLite database lives in %s", HiveDataDir)
	assert.Equal(t, "0.0.0.0:"+strconv.Itoa(HivePort), flagValue(execForm(t, cmd[0]), "addr"))

	svc, ok := st.get(ServiceTarget)
	require.True(t, ok, "no stage %q", ServiceTarget)
	assert.Contains(t, svc.args("EXPOSE"), strconv.Itoa(ServicePort))
	require.Len(t, svc.args("ENTRYPOINT"), 1)

	for _, s := range []stage{hive, svc} {
		assert.Regexp(t, `^gcr\.io/distroless/static`, s.Base, "stage %s runs on distroless/static", s.Name)
	}
}

// TestDockerfileBuildsThePackages checks that the packages the Dockerfile
// builds exist and are commands, and that the Go image matches go.mod.
func TestDockerfileBuildsThePackages(t *testing.T) {
	st := loadDockerfile(t)
	var runs []string
	for _, s := range st {
		runs = append(runs, s.args("RUN")...)
	}
	for _, c := range []struct{ module, pkg string }{{HiveModule, HivePackage}, {ServiceModule, ServicePackage}} {
		built := slices.ContainsFunc(runs, func(r string) bool {
			return strings.Contains(r, "cd "+c.module+" && go build") && slices.Contains(strings.Fields(r), c.pkg)
		})
		assert.True(t, built, "no RUN cd %s && go build ... %s", c.module, c.pkg)
		assert.True(t, isMainPackage(t, filepath.Join(repoRoot, c.module, c.pkg)), "%s/%s is not a main package in the repository", c.module, c.pkg)
	}

	// FROM golang:${GO_VERSION} with ARG GO_VERSION = go.mod's language version.
	goVersion := ""
	for _, a := range st[0].args("ARG") {
		if v, ok := strings.CutPrefix(a, "GO_VERSION="); ok {
			goVersion = v
		}
	}
	require.NotEmpty(t, goVersion, "ARG GO_VERSION before the first FROM")
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	require.NotNil(t, m, "go directive in go.mod")
	assert.Equal(t, string(m[1]), goVersion, "the Go image matches go.mod")
	var usesGo bool
	for _, s := range st {
		usesGo = usesGo || s.Base == "golang:${GO_VERSION}"
	}
	assert.True(t, usesGo, "a build stage FROM golang:${GO_VERSION}")
}

// TestDockerfileCopiesExist checks that every file copied from the build
// context exists, and that .dockerignore keeps the large cache out.
func TestDockerfileCopiesExist(t *testing.T) {
	for _, s := range loadDockerfile(t) {
		for _, a := range s.args("COPY") {
			f := strings.Fields(a)
			if slices.ContainsFunc(f, func(x string) bool { return strings.HasPrefix(x, "--from=") }) {
				continue
			}
			for _, src := range f[:len(f)-1] {
				if strings.HasPrefix(src, "--") {
					continue
				}
				_, err := os.Stat(filepath.Join(repoRoot, src))
				assert.NoError(t, err, "COPY source %s in stage %s", src, s.Name)
			}
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	require.NoError(t, err)
	assert.Contains(t, strings.Fields(string(ignore)), ".cache", ".dockerignore must exclude .cache (the Jaeger binary)")
}

// isMainPackage reports whether dir holds a non-test Go file of package main.
func isMainPackage(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^package main\s*$`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if re.Match(data) {
			return true
		}
	}
	return false
}

func TestParseDockerfile(t *testing.T) {
	ins, err := parseDockerfile("# c\nARG V=1\n\nFROM a:${V} AS b\nRUN x \\\n  # inner comment\n  && y\ncmd [\"z\"]\n")
	require.NoError(t, err)
	assert.Equal(t, []instruction{
		{Line: 2, Cmd: "ARG", Args: "V=1"},
		{Line: 4, Cmd: "FROM", Args: "a:${V} AS b"},
		{Line: 5, Cmd: "RUN", Args: "x  && y"},
		{Line: 8, Cmd: "CMD", Args: `["z"]`},
	}, ins)
	st, err := splitStages(ins)
	require.NoError(t, err)
	assert.Equal(t, []string{"", "b"}, st.names())
	assert.Equal(t, "a:${V}", st[1].Base)

	_, err = parseDockerfile("RUN a \\")
	require.Error(t, err)
	_, err = splitStages([]instruction{{Cmd: "FROM", Args: "a b c d"}})
	require.Error(t, err)
}

func FuzzParseDockerfile(f *testing.F) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err == nil {
		f.Add(string(data))
	}
	f.Add("FROM a AS b\nRUN c \\\n d\n")
	f.Fuzz(func(t *testing.T, src string) {
		ins, err := parseDockerfile(src)
		if err != nil {
			return
		}
		for _, in := range ins {
			assert.NotEmpty(t, in.Cmd)
			assert.Positive(t, in.Line)
		}
		_, _ = splitStages(ins)
	})
}

func TestIsMainPackage(t *testing.T) {
	dir := t.TempDir()
	assert.False(t, isMainPackage(t, dir), "empty directory")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package main\n"), 0o600))
	assert.False(t, isMainPackage(t, dir), "only a test file")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib.go"), []byte("// Package lib.\npackage lib\n"), 0o600))
	assert.False(t, isMainPackage(t, dir), "a library")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600))
	assert.True(t, isMainPackage(t, dir))
}
