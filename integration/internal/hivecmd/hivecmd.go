// Package hivecmd builds the hive command for the integration tests, the
// benchmarks and the soak, from the integration module's requirements.
package hivecmd

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"
)

// Package is the import path of the hive command.
const Package = "github.com/hivetrace/hivetrace/hive/server/cmd/hive"

// buildTimeout bounds one build.
const buildTimeout = 5 * time.Minute

// Build builds the hive command into dir and returns the binary's path;
// with race set, under the race detector.
func Build(ctx context.Context, dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "hive")
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build %s: no go command on PATH: %w", Package, err)
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	out, err := exec.CommandContext(ctx, goTool, append(args, Package)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", Package, err, out)
	}
	return bin, nil
}
