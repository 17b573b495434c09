package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// taskInfo is a task as list and describe write it in JSON.
type taskInfo struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Boundaries  []string        `json:"boundaries"`
	InputSchema json.RawMessage `json:"inputSchema,omitempty"`
}

func info(t Task, withSchema bool) taskInfo {
	i := taskInfo{Name: t.Name(), Description: t.Description(), Boundaries: t.Boundaries()}
	if i.Boundaries == nil {
		i.Boundaries = []string{}
	}
	if withSchema {
		i.InputSchema = t.Describe()
	}
	return i
}

// cmdList runs "list": the tasks, sorted by name.
func (r *Runner) cmdList(_ context.Context, args []string, _ starter) error {
	fs := r.newFlagSet("list", "[--json]", "List the registered tasks with their boundaries and descriptions.")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("list takes no arguments, got %q", pos)
	}
	tasks := r.sortedTasks()
	if fs.asJSON {
		infos := make([]taskInfo, len(tasks))
		for i, t := range tasks {
			infos[i] = info(t, false)
		}
		return writeJSON(r.cfg.stdout, infos)
	}
	if len(tasks) == 0 {
		_, err := fmt.Fprintln(r.cfg.stdout, "no tasks registered")
		return err
	}
	tw := tabwriter.NewWriter(r.cfg.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tBOUNDARIES\tDESCRIPTION")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name(), orDash(strings.Join(t.Boundaries(), ", ")), orDash(oneLine(t.Description())))
	}
	return tw.Flush()
}

// cmdDescribe runs "describe TASK".
func (r *Runner) cmdDescribe(_ context.Context, args []string, _ starter) error {
	fs := r.newFlagSet("describe", "TASK [--json]", "Show a task's description, boundaries and the JSON Schema of its input.")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("describe takes one task name, got %d arguments", len(pos))
	}
	t, err := r.lookup(pos[0])
	if err != nil {
		return err
	}
	i := info(t, true)
	if fs.asJSON {
		return writeJSON(r.cfg.stdout, i)
	}
	w := r.cfg.stdout
	fmt.Fprintf(w, "task:        %s\n", i.Name)
	fmt.Fprintf(w, "description: %s\n", orDash(i.Description))
	fmt.Fprintf(w, "boundaries:  %s\n", orDash(strings.Join(i.Boundaries, ", ")))
	fmt.Fprintln(w, "input schema:")
	_, err = fmt.Fprintln(w, indentJSON(i.InputSchema))
	return err
}
