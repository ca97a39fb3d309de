package cri

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/run"
)

// The CRI → OCI mapping of a container, without a runtime or a store:
// a ContainerConfig (and its sandbox's config, its image's) in, lib/run's
// request and the spec its Customize makes of a base spec out, as
// containerd's container_create tests check theirs.

// testImage has an entrypoint and a Cmd, for the command line rules.
var testImage = &imgspecv1.Image{Config: imgspecv1.ImageConfig{Entrypoint: []string{"/entry"}, Cmd: []string{"cmd", "arg"}}}

func testSandbox() *runtimeapi.PodSandboxConfig {
	return &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "pod", Namespace: "ns", Uid: "uid", Attempt: 2},
		LogDirectory: "/var/log/pods/ns_pod_uid",
	}
}

func testContainer() *runtimeapi.ContainerConfig {
	return &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "c", Attempt: 1},
		Image:    &runtimeapi.ImageSpec{Image: "busybox"},
		Linux:    &runtimeapi.LinuxContainerConfig{SecurityContext: &runtimeapi.LinuxContainerSecurityContext{}},
	}
}

// sc is the test container's security context.
func sc(cfg *runtimeapi.ContainerConfig) *runtimeapi.LinuxContainerSecurityContext {
	return cfg.Linux.SecurityContext
}

// baseSpec is the spec lib/run would build from o, as far as Customize
// reads or changes it: podman's capabilities, masked and read-only
// paths (none when privileged), a pids limit, o's bind mounts.
func baseSpec(o run.Request) *specs.Spec {
	caps := []string{"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"}
	spec := &specs.Spec{
		Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
			Bounding: slices.Clone(caps), Effective: slices.Clone(caps), Permitted: slices.Clone(caps)}},
		Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
		Linux:  &specs.Linux{Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: pidsLimit()}}},
	}
	if !o.Privileged {
		spec.Linux.MaskedPaths, spec.Linux.ReadonlyPaths = []string{"/proc/kcore"}, []string{"/proc/sys"}
	}
	for _, m := range o.Mounts {
		opts := []string{"rbind", "rprivate"}
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: m.Target, Type: "bind", Source: m.Source, Options: opts})
	}
	return spec
}

// mapContainer is the request for cfg in sb, and the spec its Customize
// makes of the base spec (nil if the mapping failed).
func mapContainer(t *testing.T, cfg *runtimeapi.ContainerConfig, sb *runtimeapi.PodSandboxConfig, img *imgspecv1.Image) (run.Request, *specs.Spec, error) {
	t.Helper()
	o, err := containerRequest(cfg, sb, img)
	if err != nil {
		return o, nil, err
	}
	spec := baseSpec(o)
	if o.Customize == nil {
		t.Fatal("no Customize")
	}
	if err := o.Customize(spec); err != nil {
		t.Fatalf("Customize: %v", err)
	}
	return o, spec, nil
}

func pidsLimit() *int64 {
	v := int64(2048)
	return &v
}

func i64(v int64) *runtimeapi.Int64Value { return &runtimeapi.Int64Value{Value: v} }

// eq fails the test when got is not want.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

type containerCase struct {
	name string
	img  *imgspecv1.Image // nil: testImage
	edit func(cfg *runtimeapi.ContainerConfig, sb *runtimeapi.PodSandboxConfig)
	// check looks at a mapping that succeeded; code and errHas (a part of
	// the message) say how one must fail.
	check  func(t *testing.T, o run.Request, spec *specs.Spec)
	code   codes.Code
	errHas string
}

func runContainerCases(t *testing.T, cases []containerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, sb, img := testContainer(), testSandbox(), tc.img
			if img == nil {
				img = testImage
			}
			if tc.edit != nil {
				tc.edit(cfg, sb)
			}
			o, spec, err := mapContainer(t, cfg, sb, img)
			if tc.code != codes.OK {
				if status.Code(err) != tc.code || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("got %v, want %s with %q", err, tc.code, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o, spec)
		})
	}
}

func TestContainerRequestIdentity(t *testing.T) {
	runContainerCases(t, []containerCase{{
		name: "name, pull and create-only",
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "name", o.Name, "k8s_c_pod_ns_uid_1")
			eq(t, "pull", o.Pull, "never")
			eq(t, "create only", o.CreateOnly, true)
			eq(t, "detach", o.Detach, false)
		},
	}, {
		name: "stdin and tty",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.Stdin, cfg.Tty = true, true },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "interactive", o.Interactive, true)
			eq(t, "tty", o.TTY, true)
		},
	}, {
		name: "log path: the sandbox's directory and the container's path",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.LogPath = "c/1.log" },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "log path", o.LogPath, "/var/log/pods/ns_pod_uid/c/1.log")
		},
	}, {
		name: "log path: none without the sandbox's directory",
		edit: func(cfg *runtimeapi.ContainerConfig, sb *runtimeapi.PodSandboxConfig) {
			cfg.LogPath, sb.LogDirectory = "c/1.log", ""
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "log path", o.LogPath, "") },
	}})
}

func TestContainerRequestProcess(t *testing.T) {
	runContainerCases(t, []containerCase{{
		name: "command and args replace the image's entrypoint and Cmd",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Command, cfg.Args = []string{"/bin/sh"}, []string{"-c", "true"}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "command", o.Command, []string{"/bin/sh", "-c", "true"})
		},
	}, {
		name: "command alone drops the image's Cmd too",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Command = []string{"/bin/true"}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "command", o.Command, []string{"/bin/true"})
		},
	}, {
		name: "args alone follow the image's entrypoint",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.Args = []string{"x"} },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "command", o.Command, []string{"/entry", "x"})
		},
	}, {
		name: "neither: the image's entrypoint and Cmd",
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "command", o.Command, []string{"/entry", "cmd", "arg"})
		},
	}, {
		name: "args with an image of a Cmd only",
		img:  &imgspecv1.Image{Config: imgspecv1.ImageConfig{Cmd: []string{"sh"}}},
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.Args = []string{"top"} },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "command", o.Command, []string{"top"})
		},
	}, {
		name: "no command anywhere", img: &imgspecv1.Image{},
		code: codes.InvalidArgument, errHas: "no command",
	}, {
		name: "env, in order, an empty value kept",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Envs = []*runtimeapi.KeyValue{{Key: "B", Value: []byte("2")}, {Key: "A", Value: []byte("x=y")}, {Key: "E"}}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "env", o.Env, []string{"B=2", "A=x=y", "E="})
		},
	}, {
		name: "env with no name",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Envs = []*runtimeapi.KeyValue{{Value: []byte("v")}}
		},
		code: codes.InvalidArgument, errHas: "no name",
	}, {
		name: "env with '=' in its name",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Envs = []*runtimeapi.KeyValue{{Key: "A=B", Value: []byte("v")}}
		},
		code: codes.InvalidArgument, errHas: "A=B",
	}, {
		name:  "working dir",
		edit:  func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.WorkingDir = "/srv" },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "workdir", o.Workdir, "/srv") },
	}})
}

func TestContainerRequestMounts(t *testing.T) {
	runContainerCases(t, []containerCase{{
		name: "bind mounts, read-only or not; propagation on the spec",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{
				{HostPath: "/h/ro", ContainerPath: "/ro", Readonly: true},
				{HostPath: "/h/slave", ContainerPath: "/slave", Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
				{HostPath: "/h/private", ContainerPath: "/private", Propagation: runtimeapi.MountPropagation_PROPAGATION_PRIVATE},
			}
		},
		check: func(t *testing.T, o run.Request, spec *specs.Spec) {
			eq(t, "mounts", o.Mounts, []run.Mount{
				{Type: "bind", Source: "/h/ro", Target: "/ro", ReadOnly: true},
				{Type: "bind", Source: "/h/slave", Target: "/slave"},
				{Type: "bind", Source: "/h/private", Target: "/private"},
			})
			eq(t, "/ro options", spec.Mounts[1].Options, []string{"rbind", "rprivate", "ro"})
			eq(t, "/slave options", spec.Mounts[2].Options, []string{"rbind", "rslave"})
			eq(t, "/private options", spec.Mounts[3].Options, []string{"rbind", "rprivate"})
			eq(t, "rootfs propagation", spec.Linux.RootfsPropagation, "rslave")
		},
	}, {
		name: "a bidirectional mount makes the root shared, whatever comes after",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{
				{HostPath: "/h/shared", ContainerPath: "/shared", Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL},
				{HostPath: "/h/slave", ContainerPath: "/slave", Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
			}
		},
		check: func(t *testing.T, _ run.Request, spec *specs.Spec) {
			eq(t, "/shared options", spec.Mounts[1].Options, []string{"rbind", "rshared"})
			eq(t, "rootfs propagation", spec.Linux.RootfsPropagation, "rshared")
		},
	}, {
		name: "selinux_relabel is ignored (no SELinux here)",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "/c", SelinuxRelabel: true}}
		},
		check: func(t *testing.T, o run.Request, spec *specs.Spec) {
			eq(t, "mounts", o.Mounts, []run.Mount{{Type: "bind", Source: "/h", Target: "/c"}})
			eq(t, "options", spec.Mounts[1].Options, []string{"rbind", "rprivate"})
		},
	}, {
		name: "a relative container path",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "c"}}
		},
		code: codes.InvalidArgument, errHas: "absolute",
	}, {
		name: "a relative host path",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{{HostPath: "h", ContainerPath: "/c"}}
		},
		code: codes.InvalidArgument, errHas: "absolute",
	}, {
		name: "an image volume",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{{ContainerPath: "/c", Image: &runtimeapi.ImageSpec{Image: "busybox"}}}
		},
		code: codes.Unimplemented, errHas: "image volumes",
	}, {
		name: "a recursive read-only mount",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Mounts = []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "/c", Readonly: true, RecursiveReadOnly: true}}
		},
		code: codes.Unimplemented, errHas: "recursive read-only",
	}, {
		name: "devices, rwm unless given",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Devices = []*runtimeapi.Device{{HostPath: "/dev/null", ContainerPath: "/dev/n"}, {HostPath: "/dev/zero", ContainerPath: "/dev/zero", Permissions: "r"}}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "devices", o.Devices, []run.Device{{Host: "/dev/null", Container: "/dev/n", Perms: "rwm"}, {Host: "/dev/zero", Container: "/dev/zero", Perms: "r"}})
		},
	}, {
		name: "CDI devices",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.CDIDevices = []*runtimeapi.CDIDevice{{Name: "vendor.com/gpu=0"}}
		},
		code: codes.Unimplemented, errHas: "CDI",
	}})
}

// The mapping makes nothing on the host: a missing host path is made by
// CreateContainer (makeHostDirs), after the whole config was mapped.
func TestContainerRequestMakesNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := testContainer()
	cfg.Mounts = []*runtimeapi.Mount{{HostPath: filepath.Join(dir, "new"), ContainerPath: "/c"}}
	cfg.LogPath = "c/0.log"
	sb := testSandbox()
	sb.LogDirectory = filepath.Join(dir, "logs")
	o, err := containerRequest(cfg, sb, testImage)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the mapping made %v", entries)
	}
	if err := makeHostDirs(cfg.GetMounts(), o.LogPath); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "new"), filepath.Join(dir, "logs", "c")} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v, want a directory", d, err)
		}
	}
}

func TestContainerRequestSecurity(t *testing.T) {
	runContainerCases(t, []containerCase{{
		name: "not privileged: the default masked and read-only paths, unconfined seccomp (none asked)",
		check: func(t *testing.T, o run.Request, spec *specs.Spec) {
			eq(t, "privileged", o.Privileged, false)
			eq(t, "seccomp", o.Seccomp, "unconfined")
			eq(t, "masked", spec.Linux.MaskedPaths, []string{"/proc/kcore"})
			eq(t, "read-only", spec.Linux.ReadonlyPaths, []string{"/proc/sys"})
		},
	}, {
		name: "privileged: unconfined, and the config's masked paths not applied",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Privileged = true
			sc(cfg).Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
			sc(cfg).MaskedPaths, sc(cfg).ReadonlyPaths = []string{"/proc/x"}, []string{"/proc/y"}
		},
		check: func(t *testing.T, o run.Request, spec *specs.Spec) {
			eq(t, "privileged", o.Privileged, true)
			eq(t, "seccomp", o.Seccomp, "unconfined")
			eq(t, "masked", spec.Linux.MaskedPaths, []string(nil))
			eq(t, "read-only", spec.Linux.ReadonlyPaths, []string(nil))
		},
	}, {
		name: "masked and read-only paths replace the defaults",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).MaskedPaths, sc(cfg).ReadonlyPaths = []string{"/proc/x"}, []string{"/proc/y", "/proc/z"}
		},
		check: func(t *testing.T, _ run.Request, spec *specs.Spec) {
			eq(t, "masked", spec.Linux.MaskedPaths, []string{"/proc/x"})
			eq(t, "read-only", spec.Linux.ReadonlyPaths, []string{"/proc/y", "/proc/z"})
		},
	}, {
		name: "capabilities added and dropped, ALL too, in ctr's names (kube.Capabilities)",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Capabilities = &runtimeapi.Capability{AddCapabilities: []string{"NET_ADMIN", "CAP_SYS_TIME", "net_raw"}, DropCapabilities: []string{"all"}}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "add", o.CapAdd, []string{"CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_NET_RAW"})
			eq(t, "drop", o.CapDrop, []string{"ALL"})
		},
	}, {
		name: "an unknown capability",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Capabilities = &runtimeapi.Capability{DropCapabilities: []string{"NET_MAGIC"}}
		},
		code: codes.InvalidArgument, errHas: "NET_MAGIC",
	}, {
		name: "an unknown capability to add",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Capabilities = &runtimeapi.Capability{AddCapabilities: []string{"KILL", "NET_MAGIC"}}
		},
		code: codes.InvalidArgument, errHas: "add_capabilities: unknown capability \"NET_MAGIC\"",
	}, {
		name: "ambient capabilities, in every set",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Capabilities = &runtimeapi.Capability{AddAmbientCapabilities: []string{"net_raw", "CAP_KILL"}}
		},
		check: func(t *testing.T, _ run.Request, spec *specs.Spec) {
			c := spec.Process.Capabilities
			eq(t, "ambient", c.Ambient, []string{"CAP_NET_RAW", "CAP_KILL"})
			eq(t, "inheritable", c.Inheritable, []string{"CAP_NET_RAW", "CAP_KILL"})
			eq(t, "bounding", c.Bounding, []string{"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"})
			eq(t, "effective", c.Effective, []string{"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"})
			eq(t, "permitted", c.Permitted, []string{"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"})
		},
	}, {
		name: "an unknown ambient capability",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).Capabilities = &runtimeapi.Capability{AddAmbientCapabilities: []string{"NOPE"}}
		},
		code: codes.InvalidArgument, errHas: "NOPE",
	}, {
		name: "run as user and group",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).RunAsUser, sc(cfg).RunAsGroup = i64(1000), i64(2000)
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "user", o.User, "1000:2000") },
	}, {
		name:  "run as root, given",
		edit:  func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { sc(cfg).RunAsUser = i64(0) },
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "user", o.User, "0") },
	}, {
		name: "run as a user name, with a group",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).RunAsUsername, sc(cfg).RunAsGroup = "nobody", i64(7)
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "user", o.User, "nobody:7") },
	}, {
		name: "the user ID over the user name",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).RunAsUser, sc(cfg).RunAsUsername = i64(5), "nobody"
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) { eq(t, "user", o.User, "5") },
	}, {
		name: "a group without a user",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { sc(cfg).RunAsGroup = i64(7) },
		code: codes.InvalidArgument, errHas: "run_as_group",
	}, {
		name: "a user ID out of range",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { sc(cfg).RunAsUser = i64(-1) },
		code: codes.InvalidArgument, errHas: "user or group -1",
	}, {
		name: "a group ID out of range",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).RunAsUser, sc(cfg).RunAsGroup = i64(1), i64(1<<32)
		},
		code: codes.InvalidArgument, errHas: "user or group 4294967296",
	}, {
		name: "supplemental groups",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).SupplementalGroups = []int64{10, 0, 65534}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "groups", o.GroupAdd, []string{"10", "0", "65534"})
		},
	}, {
		name: "the Strict supplemental groups policy",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).SupplementalGroupsPolicy = runtimeapi.SupplementalGroupsPolicy_Strict
		},
		code: codes.InvalidArgument, errHas: "Strict",
	}, {
		name: "read-only root and no new privileges",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			sc(cfg).ReadonlyRootfs, sc(cfg).NoNewPrivs = true, true
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "read-only", o.ReadOnly, true)
			eq(t, "no new privileges", o.NoNewPrivileges, true)
		},
	}, {
		name: "no security context at all",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) { cfg.Linux = nil },
		check: func(t *testing.T, o run.Request, spec *specs.Spec) {
			eq(t, "user", o.User, "")
			eq(t, "seccomp", o.Seccomp, "")
			eq(t, "masked", spec.Linux.MaskedPaths, []string{"/proc/kcore"})
		},
	}})
}

func TestContainerRequestSeccomp(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile.json")
	if err := os.WriteFile(profile, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := func(typ runtimeapi.SecurityProfile_ProfileType, ref string) *runtimeapi.SecurityProfile {
		return &runtimeapi.SecurityProfile{ProfileType: typ, LocalhostRef: ref}
	}
	for _, tc := range []struct {
		name       string
		profile    *runtimeapi.SecurityProfile
		deprecated string
		want       string // lib/run's Seccomp
		errHas     string // or the InvalidArgument's
	}{
		{name: "none: unconfined", want: "unconfined"},
		{name: "RuntimeDefault: ctr's", profile: prof(runtimeapi.SecurityProfile_RuntimeDefault, ""), want: ""},
		{name: "Unconfined", profile: prof(runtimeapi.SecurityProfile_Unconfined, ""), want: "unconfined"},
		{name: "Localhost", profile: prof(runtimeapi.SecurityProfile_Localhost, profile), want: profile},
		{name: "Localhost, relative", profile: prof(runtimeapi.SecurityProfile_Localhost, "profile.json"), errHas: "absolute"},
		{name: "Localhost, missing", profile: prof(runtimeapi.SecurityProfile_Localhost, profile+".no"), errHas: "no such file"},
		{name: "the field first", profile: prof(runtimeapi.SecurityProfile_Unconfined, ""), deprecated: "runtime/default", want: "unconfined"},
		{name: "old runtime/default", deprecated: "runtime/default", want: ""},
		{name: "old docker/default", deprecated: "docker/default", want: ""},
		{name: "old unconfined", deprecated: "unconfined", want: "unconfined"},
		{name: "old localhost/", deprecated: "localhost/" + profile, want: profile},
		{name: "old, unknown", deprecated: "strict", errHas: "want runtime/default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testContainer()
			sc(cfg).Seccomp, sc(cfg).SeccompProfilePath = tc.profile, tc.deprecated //nolint:staticcheck // the field older kubelets send
			o, _, err := mapContainer(t, cfg, testSandbox(), testImage)
			if tc.errHas != "" {
				if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("got %v, want InvalidArgument with %q", err, tc.errHas)
				}
				return
			}
			if err != nil || o.Seccomp != tc.want {
				t.Fatalf("got %q, %v; want %q", o.Seccomp, err, tc.want)
			}
		})
	}
}

// AppArmor: the default and unconfined are what this kernel gives; a
// profile of the host's is refused.
func TestContainerRequestAppArmor(t *testing.T) {
	for _, tc := range []struct {
		profile    *runtimeapi.SecurityProfile
		deprecated string
		ok         bool
	}{
		{ok: true},
		{profile: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}, ok: true},
		{profile: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}, ok: true},
		{deprecated: "runtime/default", ok: true},
		{profile: &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: "k8s-apparmor-example"}},
		{deprecated: "localhost/k8s-apparmor-example"},
	} {
		cfg := testContainer()
		sc(cfg).Apparmor, sc(cfg).ApparmorProfile = tc.profile, tc.deprecated //nolint:staticcheck // the field older kubelets send
		_, _, err := mapContainer(t, cfg, testSandbox(), testImage)
		if tc.ok != (err == nil) || (!tc.ok && (status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "AppArmor"))) {
			t.Errorf("%v %q: got %v, want ok %v (else InvalidArgument)", tc.profile, tc.deprecated, err, tc.ok)
		}
	}
}

func TestContainerRequestResources(t *testing.T) {
	runContainerCases(t, []containerCase{{
		name: "cpu, memory, OOM score, huge pages, unified: on the spec, over lib/run's",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Linux.Resources = &runtimeapi.LinuxContainerResources{
				CpuShares: 512, CpuQuota: 50000, CpuPeriod: 100000, CpusetCpus: "0-1", CpusetMems: "0",
				MemoryLimitInBytes: 64 << 20, MemorySwapLimitInBytes: 128 << 20, OomScoreAdj: 500,
				HugepageLimits: []*runtimeapi.HugepageLimit{{PageSize: "2MB", Limit: 4 << 20}},
				Unified:        map[string]string{"memory.high": "50000000"},
			}
		},
		check: func(t *testing.T, _ run.Request, spec *specs.Spec) {
			shares, quota, period := uint64(512), int64(50000), uint64(100000)
			limit, swap := int64(64<<20), int64(128<<20)
			eq(t, "resources", spec.Linux.Resources, &specs.LinuxResources{
				Pids:           &specs.LinuxPids{Limit: pidsLimit()},
				CPU:            &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period, Cpus: "0-1", Mems: "0"},
				Memory:         &specs.LinuxMemory{Limit: &limit, Swap: &swap},
				HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}},
				Unified:        map[string]string{"memory.high": "50000000"},
			})
			if spec.Process.OOMScoreAdj == nil || *spec.Process.OOMScoreAdj != 500 {
				t.Errorf("OOM score adj %v, want 500", spec.Process.OOMScoreAdj)
			}
		},
	}, {
		name: "zeros set nothing",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Linux.Resources = &runtimeapi.LinuxContainerResources{MemorySwapLimitInBytes: 1 << 20}
		},
		check: func(t *testing.T, _ run.Request, spec *specs.Spec) {
			eq(t, "resources", spec.Linux.Resources, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: pidsLimit()}})
			eq(t, "OOM score adj", spec.Process.OOMScoreAdj, (*int)(nil))
		},
	}})
}

func TestContainerRequestNamespaces(t *testing.T) {
	mode := func(network, pid, ipc runtimeapi.NamespaceMode) *runtimeapi.NamespaceOption {
		return &runtimeapi.NamespaceOption{Network: network, Pid: pid, Ipc: ipc}
	}
	const (
		pod    = runtimeapi.NamespaceMode_POD
		ctr    = runtimeapi.NamespaceMode_CONTAINER
		node   = runtimeapi.NamespaceMode_NODE
		target = runtimeapi.NamespaceMode_TARGET
	)
	for _, tc := range []struct {
		name         string
		sandbox, own *runtimeapi.NamespaceOption
		net, uts     string
		pid, ipc     string
		errHas       string
	}{
		{name: "the pod's (none asked)"},
		{name: "the pod's", sandbox: mode(pod, pod, pod), own: mode(pod, pod, pod)},
		{name: "the container's own PID", sandbox: mode(pod, ctr, pod), own: mode(pod, ctr, pod)},
		{name: "the node's network: the host's name too", sandbox: mode(node, pod, pod), net: "host", uts: "host"},
		{name: "the node's PID and IPC, the pod's too", sandbox: mode(pod, node, node), own: mode(pod, node, node), pid: "host", ipc: "host"},
		{name: "the node's PID and IPC, the pod's not", sandbox: mode(pod, pod, pod), own: mode(pod, node, node)},
		{name: "another container's PID", own: mode(pod, target, pod), errHas: "TARGET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, sb := testContainer(), testSandbox()
			sc(cfg).NamespaceOptions = tc.own
			sb.Linux = &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: tc.sandbox}}
			o, _, err := mapContainer(t, cfg, sb, testImage)
			if tc.errHas != "" {
				if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("got %v, want InvalidArgument with %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "network, uts, pid, ipc", []string{o.Network, o.UTS, o.PID, o.IPC}, []string{tc.net, tc.uts, tc.pid, tc.ipc})
		})
	}
}

func TestContainerRequestMetadata(t *testing.T) {
	var cases []containerCase
	// A client's annotations with ctr's own keys are InvalidArgument,
	// naming the key; the others are the container's, as given.
	for _, key := range []string{"io.ctr.pod", "io.ctr.log-path", "IO.CTR.stop-timeout", "io.ctr.cri.sandbox-id"} {
		cases = append(cases, containerCase{
			name: "annotation " + key,
			edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
				cfg.Annotations = map[string]string{key: "x", "example.com/a": "1"}
			},
			code: codes.InvalidArgument, errHas: key,
		})
	}
	cases = append(cases, containerCase{
		name: "the client's annotations",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Annotations = map[string]string{"example.com/a": "1", "b": ""}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "annotations", o.Annotations, map[string]string{"example.com/a": "1", "b": ""})
		},
	}, containerCase{
		// The config's labels are the kubelet's, kept in the config ctr-cri
		// records (CreateContainer), never lib/run's labels: a key of ctr's
		// own there names nothing of ctr's.
		name: "labels stay in the config",
		edit: func(cfg *runtimeapi.ContainerConfig, _ *runtimeapi.PodSandboxConfig) {
			cfg.Labels = map[string]string{"io.ctr.cri.sandbox-id": "x", "app": "web"}
		},
		check: func(t *testing.T, o run.Request, _ *specs.Spec) {
			eq(t, "labels", o.Labels, map[string]string(nil))
			eq(t, "own labels", o.OwnLabels, map[string]string(nil))
		},
	})
	runContainerCases(t, cases)
}
