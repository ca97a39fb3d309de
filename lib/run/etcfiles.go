package run

import (
	"net"
	"unicode"
	"unicode/utf8"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// What a container's /etc/hosts, /etc/hostname and resolv.conf are given,
// checked: a line or field of their own must not get in.

// HostEntry is one --add-host line of /etc/hosts.
type HostEntry struct {
	Name, IP string
}

// CheckHostEntry checks an /etc/hosts line to be: the name one word, no
// blank or control character (podman 4.3 takes any: a vertical tab or a
// newline in it gave the container's /etc/hosts lines of the user's), the
// address an IP address (parsed, never a name resolved).
func CheckHostEntry(e HostEntry) error {
	if !oneWord(e.Name) {
		return errdefs.Usagef("invalid host entry %q: want a NAME with no blank or control character", e.Name+":"+e.IP)
	}
	if net.ParseIP(e.IP) == nil {
		return errdefs.Usagef("invalid host entry %q: %q is not an IP address", e.Name+":"+e.IP, e.IP)
	}
	return nil
}

// DNSFields are how a caller calls the lists of CheckDNS (its flags, its
// API's fields), for its errors.
type DNSFields struct {
	Servers, Searches, Options string
}

// CheckDNS checks what a container's resolv.conf is given, the same for
// every front door (ctr-run's and pod create's flags, ctr-cri's
// dns_config, and Run itself): each server an IP address (parsed, never
// a name resolved), each search domain and option one word with no blank
// or control character. A newline would add a line of its own (a
// nameserver) to the container's resolv.conf. The error names the field.
func CheckDNS(servers, searches, options []string, f DNSFields) error {
	for _, s := range servers {
		if net.ParseIP(s) == nil {
			return errdefs.Usagef("%s %q: want an IP address", f.Servers, s)
		}
	}
	for _, l := range []struct {
		field string
		words []string
	}{{f.Searches, searches}, {f.Options, options}} {
		for _, w := range l.words {
			if !oneWord(w) {
				return errdefs.Usagef("%s %q: want one word, no blank or control character", l.field, w)
			}
		}
	}
	return nil
}

// CheckHostname accepts a host name: letters, digits, '-' and '.', at
// most 253 characters. Anything else (a newline most of all) would add
// lines of its own to the container's /etc/hosts.
func CheckHostname(name string) error {
	ok := name != "" && len(name) <= 253
	for _, r := range name {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}
	if !ok {
		return errdefs.Usagef("host name %q: want letters, digits, '-' and '.'", name)
	}
	return nil
}

// oneWord says whether s is one word of a line-based file (resolv.conf,
// /etc/hosts): not empty, valid UTF-8, no blank and no control
// character. A newline or vertical tab would start a line or field of its
// own there.
func oneWord(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}
