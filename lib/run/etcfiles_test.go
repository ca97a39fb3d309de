package run

import (
	"errors"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Each kind given replaces the host's lines of that kind; the rest stays.
func TestResolvConf(t *testing.T) {
	host := []byte("# from the host\nnameserver 1.1.1.1\nsearch corp.example\noptions rotate\n")
	if got := string(resolvConf(host, &Request{})); got != string(host) {
		t.Errorf("nothing given: %q", got)
	}
	got := string(resolvConf(host, &Request{DNS: []string{"10.0.0.53"}}))
	want := "# from the host\nsearch corp.example\noptions rotate\nnameserver 10.0.0.53\n"
	if got != want {
		t.Errorf("--dns: %q, want %q", got, want)
	}
	got = string(resolvConf(nil, &Request{DNSSearch: []string{"a.test", "b.test"}, DNSOptions: []string{"ndots:2"}}))
	if want := "search a.test b.test\noptions ndots:2\n"; got != want {
		t.Errorf("no host file: %q, want %q", got, want)
	}
}

// One check for every front door: a server is an IP address, a search
// domain or option one word; the error names the field as the caller
// calls it.
func TestCheckDNS(t *testing.T) {
	fields := DNSFields{Servers: "dns_config.servers", Searches: "dns_config.searches", Options: "dns_config.options"}
	if err := CheckDNS([]string{"10.0.0.53", "fd00::53"}, []string{"example.test"}, []string{"ndots:2", "rotate"}, fields); err != nil {
		t.Errorf("well-formed: %v", err)
	}
	if err := CheckDNS(nil, nil, nil, fields); err != nil {
		t.Errorf("nothing: %v", err)
	}
	for _, c := range []struct {
		servers, searches, options []string
		field                      string
	}{
		{servers: []string{"10.0.0.53\nnameserver 6.6.6.6"}, field: "dns_config.servers"},
		{servers: []string{"dns.example"}, field: "dns_config.servers"},
		{servers: []string{""}, field: "dns_config.servers"},
		{searches: []string{"example.test\nnameserver 6.6.6.6"}, field: "dns_config.searches"},
		{searches: []string{"a b"}, field: "dns_config.searches"},
		{searches: []string{""}, field: "dns_config.searches"},
		{options: []string{"ndots:2\nnameserver 6.6.6.6"}, field: "dns_config.options"},
		{options: []string{"ndots:2\v"}, field: "dns_config.options"},
		{options: []string{"ndots\u00a02"}, field: "dns_config.options"},
	} {
		err := CheckDNS(c.servers, c.searches, c.options, fields)
		if !errors.Is(err, errdefs.ErrUsage) || !strings.HasPrefix(err.Error(), c.field+" ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("CheckDNS(%q, %q, %q): %v, want one line naming %s", c.servers, c.searches, c.options, err, c.field)
		}
	}
}

// Run refuses what came from outside before it makes anything.
func TestCheckInput(t *testing.T) {
	for name, o := range map[string]Request{
		"label":      {Labels: map[string]string{"io.ctr.cri.sandbox-config": "{}"}},
		"annotation": {Annotations: map[string]string{"io.ctr.pod": "x"}},
		"add-host":   {AddHosts: []HostEntry{{Name: "db\vevil", IP: "10.0.0.1"}}},
		"host IP":    {AddHosts: []HostEntry{{Name: "db", IP: "db.example"}}},
		"dns":        {DNS: []string{"10.0.0.53\nnameserver 6.6.6.6"}},
		"dns-search": {DNSSearch: []string{"a.test\nnameserver 6.6.6.6"}},
		"dns-option": {DNSOptions: []string{"ndots:2\n"}},
	} {
		if err := checkInput(&o); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
	ok := Request{Labels: map[string]string{"app": "x"}, OwnLabels: map[string]string{"io.ctr.cri.sandbox-id": "x"},
		Annotations: map[string]string{"a": "b"}, AddHosts: []HostEntry{{Name: "db", IP: "10.0.0.1"}},
		DNS: []string{"10.0.0.53", "fd00::53"}, DNSSearch: []string{"a.test"}, DNSOptions: []string{"ndots:2"}}
	if err := checkInput(&ok); err != nil {
		t.Errorf("well-formed input: %v", err)
	}
}
