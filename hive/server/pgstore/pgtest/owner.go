package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// systemUser is the account the servers run as when the test runs as root:
// initdb and postgres refuse root.
const systemUser = "postgres"

// owner is the account initdb and postgres run as, and that owns the
// server's folder. The zero owner is the test process's own account.
type owner struct {
	name     string // "" for the test process's own account
	uid, gid int
}

// isOther reports whether the servers run as an account other than the test
// process's.
func (o owner) isOther() bool { return o.name != "" }

// serverOwner returns the account the servers run as: the postgres system
// user when the test runs as root, otherwise the test process's own.
func serverOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{}, nil
	}
	u, err := user.Lookup(systemUser)
	if err != nil {
		return owner{}, fmt.Errorf("pgtest: running as root, and initdb refuses root: look up the %s user to run as: %w", systemUser, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return owner{}, fmt.Errorf("pgtest: user %s: uid %q: %w", systemUser, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return owner{}, fmt.Errorf("pgtest: user %s: gid %q: %w", systemUser, u.Gid, err)
	}
	return owner{name: u.Username, uid: uid, gid: gid}, nil
}

// mkdir creates dir with mode 0700, owned by o.
func (o owner) mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return o.chown(dir)
}

// chown gives path to o; it does nothing for the test process's own account.
func (o owner) chown(path string) error {
	if !o.isOther() {
		return nil
	}
	if err := os.Chown(path, o.uid, o.gid); err != nil {
		return fmt.Errorf("pgtest: give %s to user %s: %w", path, o.name, err)
	}
	return nil
}
