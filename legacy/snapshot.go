package legacy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/acme/platform/audit"
)

// ProjectFile marks the project's root, which relative snapshot paths start from.
const ProjectFile = "Pulumi.yaml"

// Resolve turns a configured snapshot path into one to read: absolute paths
// as they are, relative ones from the project's root (the nearest folder at
// or above the working directory holding Pulumi.yaml). `pulumi up` runs the
// program there; tools and tests may run below it.
func Resolve(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	dir, err := os.Getwd()
	if err != nil {
		return path
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ProjectFile)); err == nil {
			return filepath.Join(d, path)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return filepath.Join(dir, path)
		}
		d = parent
	}
}

var (
	snapMu sync.Mutex
	snaps  = map[string]*audit.Inventory{}
)

// LoadSnapshot reads the snapshot a migration adopts from, once per process:
// every stage of a run, and every run of a test binary, sees the same
// inventory. Callers must not modify it.
func LoadSnapshot(path string) (*audit.Inventory, error) {
	p := Resolve(path)
	snapMu.Lock()
	defer snapMu.Unlock()
	if inv, ok := snaps[p]; ok {
		return inv, nil
	}
	if st, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such folder (relative paths start at the project's root, the folder of %s)", path, ProjectFile)
		}
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s is a file; name the snapshot's folder", path)
	}
	inv, err := audit.Load(p)
	if err != nil {
		return nil, fmt.Errorf("reading the snapshot %s: %w", path, err)
	}
	snaps[p] = inv
	return inv, nil
}
