package cli

import (
	"io"

	"github.com/ctr-project/ctr/lib/types"
)

// ExpandStdin returns args with a "-" replaced by the references read from
// stdin (one per line, or ctr JSON records), as the pipe contract says.
func ExpandStdin(args []string, stdin io.Reader) ([]string, error) {
	var out []string
	read := false
	for _, a := range args {
		if a != "-" {
			out = append(out, a)
			continue
		}
		if read {
			return nil, UsageError("- (stdin) given more than once")
		}
		read = true
		refs, err := types.ReadInputs(stdin)
		if err != nil {
			return nil, err
		}
		if len(refs) == 0 {
			return nil, UsageError("no image reference on stdin")
		}
		out = append(out, refs...)
	}
	return out, nil
}
