package composetest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	envLiteral  = regexp.MustCompile(`^(OTEL|HIVE)_[A-Z0-9_]+$`)
	addrLiteral = regexp.MustCompile(`^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:]*\])?:\d{1,5}$`)
)

// stringLiterals returns the string literals of the non-test Go files under
// dir (recursively), or nil when dir does not exist.
func stringLiterals(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	var lits []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					lits = append(lits, s)
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return lits
}

// serviceSourceEnv returns the OTEL_*/HIVE_* variable names the example
// service's own code names, so that TestComposeService requires them too.
func serviceSourceEnv(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, s := range stringLiterals(t, filepath.Join(repoRoot, ServiceModule, ServicePackage)) {
		if envLiteral.MatchString(s) {
			names = append(names, s)
		}
	}
	return names
}

// listenAddrs returns the host:port literals in the non-test code under dirs.
func listenAddrs(t *testing.T, dirs ...string) []string {
	t.Helper()
	var addrs []string
	for _, d := range dirs {
		for _, s := range stringLiterals(t, filepath.Join(repoRoot, d)) {
			if addrLiteral.MatchString(s) {
				addrs = append(addrs, s)
			}
		}
	}
	return addrs
}

// TestHiveDefaultAddrInCode checks HiveDefaultAddr against the address
// literals of cmd/hive and package hive, when they spell one out.
func TestHiveDefaultAddrInCode(t *testing.T) {
	addrs := listenAddrs(t, filepath.Join(HiveModule, HivePackage), "hive")
	if len(addrs) == 0 {
		t.Logf("no address literal in %s or hive/: HiveDefaultAddr %s is not checked against the code", HivePackage, HiveDefaultAddr)
		return
	}
	assert.Contains(t, addrs, HiveDefaultAddr, "hive serve's default address; update defaults.go or the code")
}

// TestServicePortInCode checks ServicePort against the example service's
// address literals, when it spells one out, and that it listens on every
// interface (it runs in a container).
func TestServicePortInCode(t *testing.T) {
	addrs := listenAddrs(t, filepath.Join(ServiceModule, ServicePackage))
	if len(addrs) == 0 {
		t.Logf("no address literal in %s: ServicePort %d is not checked against the code", ServicePackage, ServicePort)
		return
	}
	found := false
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		require.NoError(t, err)
		if port != strconv.Itoa(ServicePort) {
			continue
		}
		found = true
		assert.NotContains(t, []string{"127.0.0.1", "localhost", "::1"}, host,
			"%s listens on %s: unreachable from outside its container", ServicePackage, a)
	}
	assert.True(t, found, "%s names no address with port %d among %q; update defaults.go or the code", ServicePackage, ServicePort, addrs)
}

func TestLiteralPatterns(t *testing.T) {
	for _, s := range []string{"127.0.0.1:8080", ":8081", "localhost:1", "[::1]:80", "0.0.0.0:4317"} {
		assert.Regexp(t, addrLiteral, s)
	}
	for _, s := range []string{"http://x:1", "a:b", "8080", "hive:8080"} {
		assert.NotRegexp(t, addrLiteral, s)
	}
	assert.Regexp(t, envLiteral, "HIVE_API_KEY")
	assert.NotRegexp(t, envLiteral, "HIVE_")
	assert.NotRegexp(t, envLiteral, "OTEL_x")
}
