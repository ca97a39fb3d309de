package main

import (
	"errors"
	"strconv"
	"strings"
)

// ctr-monitor parses its options itself rather than with a CLI library:
// it must accept conmon's command line (GLib conventions: "-c ID",
// "--cid=ID", repeatable options, "--api-version 1"), and every package
// linked in costs resident memory in each monitor (see lib/monitor).

// option is one command-line option.
type option struct {
	long    string
	short   byte   // 0: none
	arg     string // the value's name in --help; "" for a switch
	usage   string
	hidden  bool
	set     func(string) error // the value, or "" for a switch
	numeric bool               // a switch that may be followed by a number (--api-version 1)
}

// usageError is a bad command line (exit 64, lib/exit).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
func (e usageError) ExitCode() int { return exitUsage }

func usagef(parts ...string) error { return usageError{strings.Join(parts, "")} }

// parse sets the options in args and returns the arguments left from the
// first one that is not an option ("--" ends the options).
func parse(opts []option, args []string) ([]string, error) {
	find := func(name string) *option {
		for i := range opts {
			o := &opts[i]
			if o.long == name || (len(name) == 1 && o.short == name[0]) {
				return o
			}
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args[i+1:], nil
		}
		if len(a) < 2 || a[0] != '-' {
			return args[i:], nil
		}
		var name, value string
		hasValue := false
		if strings.HasPrefix(a, "--") {
			name = a[2:]
			if j := strings.IndexByte(name, '='); j >= 0 {
				name, value, hasValue = name[:j], name[j+1:], true
			}
		} else {
			name = a[1:2]
			if len(a) > 2 {
				value, hasValue = a[2:], true
			}
		}
		o := find(name)
		if o == nil {
			return nil, usagef("unknown option ", a)
		}
		if o.arg == "" {
			if hasValue && len(name) == 1 {
				// Bundled switches (-it) are not conmon's; refuse them clearly.
				return nil, usagef("option -", name, " takes no value")
			}
			if o.numeric && !hasValue && i+1 < len(args) {
				if _, err := strconv.Atoi(args[i+1]); err == nil {
					value = args[i+1]
					i++
				}
			}
			if err := o.set(value); err != nil {
				return nil, usagef("--", o.long, ": ", err.Error())
			}
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, usagef("option ", a, " needs a value")
			}
			i++
			value = args[i]
		}
		if err := o.set(value); err != nil {
			return nil, usagef("--", o.long, " ", strconv.Quote(value), ": ", err.Error())
		}
	}
	return nil, nil
}

// help lists the options for --help, one per line.
func help(opts []option) string {
	var b strings.Builder
	for _, o := range opts {
		if o.hidden {
			continue
		}
		line := "   --" + o.long
		if o.short != 0 {
			line += ", -" + string(o.short)
		}
		if o.arg != "" {
			line += " " + o.arg
		} else if o.numeric {
			line += " [N]"
		}
		if len(line) < 33 {
			line += strings.Repeat(" ", 34-len(line))
		} else {
			line += "\n" + strings.Repeat(" ", 34)
		}
		b.WriteString(line + o.usage + "\n")
	}
	return b.String()
}

// Setters for the option table.

func str(p *string) func(string) error { return func(v string) error { *p = v; return nil } }

func list(p *[]string) func(string) error {
	return func(v string) error { *p = append(*p, v); return nil }
}

func flag(p *bool) func(string) error { return func(string) error { *p = true; return nil } }

func integer(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("not a number")
		}
		*p = n
		return nil
	}
}

func ignore(string) error { return nil }
