package oci

import (
	"fmt"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// knownCaps holds every capability name this build knows ("CAP_CHOWN"…).
var knownCaps = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range capability.ListKnown() {
		m["CAP_"+strings.ToUpper(c.String())] = true
	}
	return m
}()

// checkCapabilities refuses a name that is no capability at all, as the
// runtime spec requires ("any value which cannot be mapped to a relevant
// kernel interface MUST cause an error"). libcontainer only warns and drops
// it. A known capability this kernel lacks is still libcontainer's to drop
// with a warning, so a config made for a newer kernel runs.
func checkCapabilities(c *specs.LinuxCapabilities) error {
	if c == nil {
		return nil
	}
	for _, set := range [][]string{c.Bounding, c.Effective, c.Inheritable, c.Permitted, c.Ambient} {
		for _, name := range set {
			if !knownCaps[name] {
				return fmt.Errorf("unknown capability %q", name)
			}
		}
	}
	return nil
}
