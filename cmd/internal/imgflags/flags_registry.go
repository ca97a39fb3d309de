package imgflags

import (
	"cmp"
	"strings"

	"github.com/ctr-project/ctr/cmd/internal/cli"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/image/v5/types"
)

// RegistryFlags are the registry, TLS and credential flags of a command
// that talks to registries on one side (ctr-pull).
type RegistryFlags struct {
	AuthFile       string
	RegistriesConf string
	// RegistriesD is the registries.d directory (signature storage), for
	// the tools that declare RegistriesDFlag.
	RegistriesD string
	Creds       string
	TLSVerify   OptionalBool
	CertDir     string
}

// Flags declares the group.
func (f *RegistryFlags) Flags() []ucli.Flag {
	return append(f.commonFlags(),
		&ucli.StringFlag{Name: "creds", Usage: "`USER[:PASSWORD]` for the registry", Destination: &f.Creds, EnvVars: []string{CredsEnv}},
		&ucli.GenericFlag{Name: "tls-verify", Usage: "require HTTPS and verified certificates: `BOOL` (default: registries.conf, else true)", Value: &f.TLSVerify},
		&ucli.StringFlag{Name: "cert-dir", Usage: "use certificates (*.crt, *.cert, *.key) in `DIR`", Destination: &f.CertDir},
	)
}

func (f *RegistryFlags) commonFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "authfile", Usage: "credentials `FILE` (default: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)", Destination: &f.AuthFile, EnvVars: []string{"REGISTRY_AUTH_FILE"}},
		&ucli.StringFlag{Name: "registries-conf", Usage: "use registries.conf `FILE` instead of the system's", Destination: &f.RegistriesConf, EnvVars: []string{"CONTAINERS_REGISTRIES_CONF"}},
	}
}

// RegistriesDFlag declares --registries.d, for the tools that read or
// write signatures (where they are kept, whether in sigstore attachments).
func (f *RegistryFlags) RegistriesDFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "registries.d", Usage: "read where signatures are kept from `DIR` instead of /etc/containers/registries.d", Destination: &f.RegistriesD}
}

// SystemContext returns a fresh SystemContext.
func (f *RegistryFlags) SystemContext() (*types.SystemContext, error) {
	return f.context("creds", f.Creds, &f.TLSVerify, f.CertDir)
}

// CopyRegistryFlags are the registry flags of a command that reads from one
// place and writes to another. The plain forms (--tls-verify, --cert-dir)
// apply to both sides; the src-/dest- forms override them for one side.
type CopyRegistryFlags struct {
	RegistryFlags
	SrcCreds      string
	DestCreds     string
	SrcTLSVerify  OptionalBool
	DestTLSVerify OptionalBool
	SrcCertDir    string
	DestCertDir   string
}

// Flags declares the group.
func (f *CopyRegistryFlags) Flags() []ucli.Flag {
	return append(f.commonFlags(),
		&ucli.StringFlag{Name: "src-creds", Usage: "`USER[:PASSWORD]` for the source registry", Destination: &f.SrcCreds},
		&ucli.StringFlag{Name: "dest-creds", Usage: "`USER[:PASSWORD]` for the destination registry", Destination: &f.DestCreds},
		&ucli.GenericFlag{Name: "tls-verify", Usage: "require HTTPS and verified certificates on both sides: `BOOL` (default: registries.conf, else true)", Value: &f.TLSVerify},
		&ucli.GenericFlag{Name: "src-tls-verify", Usage: "like --tls-verify, for the source only: `BOOL`", Value: &f.SrcTLSVerify},
		&ucli.GenericFlag{Name: "dest-tls-verify", Usage: "like --tls-verify, for the destination only: `BOOL`", Value: &f.DestTLSVerify},
		&ucli.StringFlag{Name: "cert-dir", Usage: "use certificates (*.crt, *.cert, *.key) in `DIR` on both sides", Destination: &f.CertDir},
		&ucli.StringFlag{Name: "src-cert-dir", Usage: "like --cert-dir, for the source only: `DIR`", Destination: &f.SrcCertDir},
		&ucli.StringFlag{Name: "dest-cert-dir", Usage: "like --cert-dir, for the destination only: `DIR`", Destination: &f.DestCertDir},
	)
}

// SourceContext returns a fresh SystemContext for the source side.
func (f *CopyRegistryFlags) SourceContext() (*types.SystemContext, error) {
	return f.context("src-creds", f.SrcCreds, f.SrcTLSVerify.Or(&f.TLSVerify), cmp.Or(f.SrcCertDir, f.CertDir))
}

// DestinationContext returns a fresh SystemContext for the destination side.
func (f *CopyRegistryFlags) DestinationContext() (*types.SystemContext, error) {
	return f.context("dest-creds", f.DestCreds, f.DestTLSVerify.Or(&f.TLSVerify), cmp.Or(f.DestCertDir, f.CertDir))
}

// context is the SystemContext for one side; credsFlag names the flag
// creds came from, for an error that never shows the value (a password).
func (f *RegistryFlags) context(credsFlag, creds string, tlsVerify *OptionalBool, certDir string) (*types.SystemContext, error) {
	sys := &types.SystemContext{
		AuthFilePath:             f.AuthFile,
		SystemRegistriesConfPath: f.RegistriesConf,
		RegistriesDirPath:        f.RegistriesD,
		DockerCertPath:           certDir,
		DockerRegistryUserAgent:  "ctr/" + cli.Version,
	}
	if v := tlsVerify.Types(); v != types.OptionalBoolUndefined {
		// --tls-verify=false allows plain HTTP as well, as in skopeo.
		sys.DockerInsecureSkipTLSVerify = types.NewOptionalBool(v == types.OptionalBoolFalse)
		sys.OCIInsecureSkipTLSVerify = v == types.OptionalBoolFalse
	}
	if creds != "" {
		user, pass, _ := strings.Cut(creds, ":")
		if user == "" {
			return nil, cli.UsageError("--%s: want USER[:PASSWORD], with a user", credsFlag)
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	return sys, nil
}

// LoginFlags are the flags of a command that stores credentials: where
// they go and how the registry is reached (no --creds: the credentials
// are what it asks for).
type LoginFlags struct {
	RegistryFlags
}

// Flags declares the group.
func (f *LoginFlags) Flags() []ucli.Flag {
	return append(f.commonFlags(),
		&ucli.GenericFlag{Name: "tls-verify", Usage: "require HTTPS and verified certificates: `BOOL` (default: registries.conf, else true)", Value: &f.TLSVerify},
		&ucli.StringFlag{Name: "cert-dir", Usage: "use certificates (*.crt, *.cert, *.key) in `DIR`", Destination: &f.CertDir},
	)
}

// SystemContext returns a fresh SystemContext.
func (f *LoginFlags) SystemContext() (*types.SystemContext, error) {
	return f.context("", "", &f.TLSVerify, f.CertDir)
}

// Args returns the flags as given, to pass a pull on to ctr-pull; the
// credentials are not among them (a command line is public: see Env).
func (f *RegistryFlags) Args() []string {
	var a []string
	for _, kv := range [][2]string{{"--authfile", f.AuthFile}, {"--registries-conf", f.RegistriesConf}, {"--tls-verify", f.TLSVerify.String()}, {"--cert-dir", f.CertDir}} {
		if kv[1] != "" {
			a = append(a, kv[0]+"="+kv[1])
		}
	}
	return a
}

// CredsEnv is the environment variable --creds is read from too: a
// password there stays out of the process list (ctr-run passes --creds
// on to ctr-pull this way).
const CredsEnv = "CTR_CREDS"

// Env returns the environment entries that pass the credentials on.
func (f *RegistryFlags) Env() []string {
	if f.Creds == "" {
		return nil
	}
	return []string{CredsEnv + "=" + f.Creds}
}
