package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// FindBeside finds another ctr tool next to this binary, else on PATH.
func FindBeside(tool string) (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), tool)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(tool); err == nil {
		return p, nil
	}
	return "", errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s not found beside %s or on PATH", tool, filepath.Base(os.Args[0])))
}

// ToolPath is the path a flag gives for tool, else FindBeside's.
func ToolPath(flag, tool string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return FindBeside(tool)
}
