package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// EnvBin names the environment variable that overrides where the PostgreSQL
// binaries are: a directory holding initdb and postgres.
const EnvBin = "HIVETRACE_PG_BIN"

// debianRoot is where Debian's postgresql packages install one directory per
// major version.
const debianRoot = "/usr/lib/postgresql"

// ErrNotInstalled is returned by BinDir when no directory holds both initdb
// and postgres.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found")

// BinDir returns the directory whose initdb and postgres the servers run: the
// one named by HIVETRACE_PG_BIN when that is set, otherwise the directory of
// the initdb found on PATH (after symbolic links), otherwise the
// /usr/lib/postgresql/VERSION/bin of the highest version. The error wraps
// ErrNotInstalled when there is none.
func BinDir() (string, error) {
	if dir := os.Getenv(EnvBin); dir != "" {
		if err := checkBinDir(dir); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %w", ErrNotInstalled, EnvBin, dir, err)
		}
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if dir := filepath.Dir(real); checkBinDir(dir) == nil {
				return dir, nil
			}
		}
	}
	for _, dir := range debianBinDirs(debianRoot) {
		if checkBinDir(dir) == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w on PATH nor in %s/*/bin (install the postgresql package, or set %s)", ErrNotInstalled, debianRoot, EnvBin)
}

// debianBinDirs returns root/VERSION/bin for every numeric VERSION under
// root, highest version first.
func debianBinDirs(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	type versioned struct {
		version float64
		dir     string
	}
	var found []versioned
	for _, e := range entries {
		v, err := strconv.ParseFloat(e.Name(), 64)
		if err != nil || !e.IsDir() {
			continue
		}
		found = append(found, versioned{v, filepath.Join(root, e.Name(), "bin")})
	}
	slices.SortFunc(found, func(a, b versioned) int {
		switch {
		case a.version > b.version:
			return -1
		case a.version < b.version:
			return 1
		}
		return strings.Compare(a.dir, b.dir)
	})
	dirs := make([]string, len(found))
	for i, f := range found {
		dirs[i] = f.dir
	}
	return dirs
}

// checkBinDir reports whether dir holds executable initdb and postgres files.
func checkBinDir(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", p)
		}
	}
	return nil
}
