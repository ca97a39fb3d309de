package imgflags

import (
	"flag"
	"testing"

	"github.com/ctr-project/ctr/cmd/internal/cli"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/image/v5/types"
)

// parse applies args to a fresh flag set holding flags.
func parse(t *testing.T, flags []ucli.Flag, args ...string) {
	t.Helper()
	set := flag.NewFlagSet("test", flag.ContinueOnError)
	for _, f := range flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryFlagsSides(t *testing.T) {
	var f CopyRegistryFlags
	parse(t, f.Flags(), "--tls-verify=false", "--dest-tls-verify", "--cert-dir", "/c", "--src-cert-dir", "/s", "--src-creds", "u:p:q")
	src, err := f.SourceContext()
	if err != nil {
		t.Fatal(err)
	}
	dst, err := f.DestinationContext()
	if err != nil {
		t.Fatal(err)
	}
	if src.DockerInsecureSkipTLSVerify != types.OptionalBoolTrue || dst.DockerInsecureSkipTLSVerify != types.OptionalBoolFalse {
		t.Errorf("tls: src %v dst %v", src.DockerInsecureSkipTLSVerify, dst.DockerInsecureSkipTLSVerify)
	}
	if src.DockerCertPath != "/s" || dst.DockerCertPath != "/c" {
		t.Errorf("cert dirs: %q %q", src.DockerCertPath, dst.DockerCertPath)
	}
	if src.DockerAuthConfig == nil || src.DockerAuthConfig.Username != "u" || src.DockerAuthConfig.Password != "p:q" || dst.DockerAuthConfig != nil {
		t.Errorf("creds: %+v %+v", src.DockerAuthConfig, dst.DockerAuthConfig)
	}
	// Each call returns a fresh value.
	again, _ := f.SourceContext()
	if again == src {
		t.Error("SourceContext returned the same value twice")
	}
}

func TestRegistryFlagsDefaultLeavesTLSToRegistriesConf(t *testing.T) {
	var f RegistryFlags
	parse(t, f.Flags())
	src, _ := f.SystemContext()
	if src.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined {
		t.Errorf("got %v, want undefined", src.DockerInsecureSkipTLSVerify)
	}
	f.Creds = ":nouser"
	if _, err := f.SystemContext(); cli.ExitCode(err) != cli.ExitUsage {
		t.Errorf("empty user: got %v", err)
	}
}

func TestStorageFlags(t *testing.T) {
	var f StorageFlags
	parse(t, f.Flags(), "--root", "/r", "--runroot", "/rr", "--storage-driver", "vfs", "--storage-opt", "a=b")
	o, err := f.StoreOptions()
	if err != nil {
		t.Fatal(err)
	}
	if o.GraphRoot != "/r" || o.RunRoot != "/rr" || o.GraphDriverName != "vfs" || len(o.GraphDriverOptions) != 1 {
		t.Errorf("got %+v", o)
	}
}

func TestPolicyFlags(t *testing.T) {
	// ctr-copy takes skopeo's --policy as another name.
	for _, name := range []string{"--signature-policy", "--policy"} {
		var f PolicyFlags
		parse(t, f.CopyFlags(), name, "/p.json")
		if f.Path != "/p.json" {
			t.Errorf("%s: path %q", name, f.Path)
		}
	}
	// Elsewhere --policy is not the signature policy (ctr-pull's is the pull policy).
	var f PolicyFlags
	set := flag.NewFlagSet("test", flag.ContinueOnError)
	for _, fl := range f.Flags() {
		if err := fl.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if set.Lookup("policy") != nil || set.Lookup("signature-policy") == nil {
		t.Error("Flags: want --signature-policy and no --policy")
	}
	// Passed on to ctr-pull as given.
	parse(t, f.Flags(), "--signature-policy", "/p.json")
	if got := f.Args(); len(got) != 1 || got[0] != "--signature-policy=/p.json" {
		t.Errorf("args %q", got)
	}
	if err := f.Check(); err != nil {
		t.Error(err)
	}
	f.Insecure = true
	if err := f.Check(); cli.ExitCode(err) != cli.ExitUsage {
		t.Errorf("file and --insecure-policy: got %v, want a usage error", err)
	}
	if got := (&PolicyFlags{Insecure: true}).Args(); len(got) != 1 || got[0] != "--insecure-policy" {
		t.Errorf("args %q", got)
	}
}
