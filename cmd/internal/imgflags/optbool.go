package imgflags

import (
	"strconv"

	"go.podman.io/image/v5/types"
)

// OptionalBool is a boolean flag that remembers whether it was given, so
// that "not given" can defer to registries.conf. It works as --flag and
// --flag=false.
type OptionalBool struct {
	set   bool
	value bool
}

// Set implements flag.Value.
func (b *OptionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.value = true, v
	return nil
}

// String implements flag.Value.
func (b *OptionalBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.value)
}

// IsBoolFlag lets the flag be given without a value.
func (b *OptionalBool) IsBoolFlag() bool { return true }

// Types returns the value for containers/image: undefined when not given.
func (b *OptionalBool) Types() types.OptionalBool {
	if b == nil || !b.set {
		return types.OptionalBoolUndefined
	}
	return types.NewOptionalBool(b.value)
}

// Or returns b if it was given, else other.
func (b *OptionalBool) Or(other *OptionalBool) *OptionalBool {
	if b != nil && b.set {
		return b
	}
	return other
}
