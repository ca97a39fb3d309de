package run

import (
	"os"
	"slices"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// The process: its environment, its capabilities.

// ParseEnvFile reads KEY=VALUE lines (a bare KEY takes the value from the
// environment), skipping blanks and # comments.
func ParseEnvFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errdefs.Usagef("env file: %v", err)
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok {
			if k == "" {
				return nil, errdefs.Usagef("env file %s:%d: empty variable name", path, i+1)
			}
			out = append(out, line)
			continue
		}
		if v, ok := os.LookupEnv(line); ok {
			out = append(out, line+"="+v)
		}
	}
	return out, nil
}

// expandEnv resolves -e NAME (no =) from the caller's environment.
func expandEnv(env []string) []string {
	var out []string
	for _, e := range env {
		if strings.Contains(e, "=") {
			out = append(out, e)
		} else if v, ok := os.LookupEnv(e); ok {
			out = append(out, e+"="+v)
		}
	}
	return out
}

// mergeEnv applies later entries over earlier ones, by name.
func mergeEnv(lists ...[]string) []string {
	idx := map[string]int{}
	var out []string
	for _, l := range lists {
		for _, e := range l {
			k, _, _ := strings.Cut(e, "=")
			if i, ok := idx[k]; ok {
				out[i] = e
				continue
			}
			idx[k] = len(out)
			out = append(out, e)
		}
	}
	return out
}

func fmtCaps(caps []string) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}

// CheckCaps accepts capability names as --cap-add and --cap-drop take
// them (NET_ADMIN, cap_net_admin, CAP_NET_ADMIN, or ALL).
func CheckCaps(caps []string) error {
	for i, c := range fmtCaps(caps) {
		if c != "CAP_ALL" && !slices.Contains(capNames, c) {
			return errdefs.Usagef("unknown capability %q", caps[i])
		}
	}
	return nil
}
