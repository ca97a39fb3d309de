package workcontainer

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ParseChmod parses COPY's --chmod: an octal mode, or a symbolic one as
// chmod(1) takes it ("u=rwx,go=rx", "+x", "a-w,g+X"), applied to each
// file's own mode.
func ParseChmod(spec string) (func(mode fs.FileMode, dir bool) fs.FileMode, error) {
	if n, err := strconv.ParseUint(spec, 8, 32); err == nil {
		if n > 0o7777 {
			return nil, fmt.Errorf("invalid --chmod %q: above 7777", spec)
		}
		m := fileMode(uint32(n))
		return func(fs.FileMode, bool) fs.FileMode { return m }, nil
	}
	type clause struct {
		who   uint32
		op    byte
		perms string
	}
	var clauses []clause
	for _, part := range strings.Split(spec, ",") {
		i := strings.IndexAny(part, "+-=")
		if i < 0 {
			return nil, fmt.Errorf("invalid --chmod %q: want an octal mode or [ugoa][+-=][rwxXst]", spec)
		}
		var who uint32
		for _, c := range part[:i] {
			switch c {
			case 'u':
				who |= 0o4700
			case 'g':
				who |= 0o2070
			case 'o':
				who |= 0o1007
			case 'a':
				who |= 0o7777
			default:
				return nil, fmt.Errorf("invalid --chmod %q: %q is not u, g, o or a", spec, c)
			}
		}
		if who == 0 {
			who = 0o7777
		}
		rest := part[i:]
		for len(rest) > 0 {
			op := rest[0]
			j := 1
			for j < len(rest) && strings.IndexByte("+-=", rest[j]) < 0 {
				j++
			}
			perms := rest[1:j]
			if strings.Trim(perms, "rwxXst") != "" {
				return nil, fmt.Errorf("invalid --chmod %q: permissions are r, w, x, X, s and t", spec)
			}
			clauses = append(clauses, clause{who, op, perms})
			rest = rest[j:]
		}
	}
	return func(mode fs.FileMode, dir bool) fs.FileMode {
		m := uint32(mode.Perm()) | unixSpecial(mode)
		for _, c := range clauses {
			var bits uint32
			for _, p := range c.perms {
				switch p {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if dir || m&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
			}
			bits &= c.who
			switch c.op {
			case '+':
				m |= bits
			case '-':
				m &^= bits
			case '=':
				m = m&^(c.who&0o777) | bits
			}
		}
		return fileMode(m)
	}, nil
}

// unixSpecial is a FileMode's setuid, setgid and sticky bits as 0o7000.
func unixSpecial(m fs.FileMode) uint32 {
	var s uint32
	if m&fs.ModeSetuid != 0 {
		s |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		s |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		s |= 0o1000
	}
	return s
}

// fileMode turns 0o7777 bits into a FileMode's permission and special bits.
func fileMode(m uint32) fs.FileMode {
	fm := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= fs.ModeSticky
	}
	return fm
}
