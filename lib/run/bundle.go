package run

import (
	"cmp"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/signals"
)

// bundle is a container's OCI bundle: <runroot>/ctr/<id>/ with
// config.json and the generated /etc files.
type bundle struct {
	store   storage.Store
	id      string
	dir     string
	persist string // the container's persistent directory, "" for none
	mounted bool
	// created: the runtime's create made it (not its run, which forgets
	// a container by itself when it exits).
	created bool
}

// prepare turns the image config and the options into the OCI spec.
func (b *bundle) prepare(rootfs string, cfg *imgspecv1.Image, o *launch, name string) (*specs.Spec, error) {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, err
	}
	args := commandArgs(cfg, o.Request)
	if len(args) == 0 {
		return nil, fail(ExitRunFailure, "no command: the image has none and none was given")
	}
	envFile, err := envFromFiles(o.EnvFiles)
	if err != nil {
		return nil, err
	}
	env := mergeEnv([]string{defaultPath}, cfg.Config.Env, []string{"container=ctr"}, envFile, expandEnv(o.Env))
	if o.TTY {
		env = mergeEnv(env, []string{"TERM=xterm"})
	}
	hostname := o.Hostname
	switch {
	case o.UTS == "host":
		// The host's name, which the container shares (and cannot set).
		if hostname, err = os.Hostname(); err != nil {
			return nil, err
		}
	case hostname == "":
		hostname = b.id[:12]
	}
	env = mergeEnv(env, []string{"HOSTNAME=" + hostname})
	o.hostname = hostname
	for _, m := range o.Mounts {
		if m.Type == "bind" {
			if _, err := os.Stat(m.Source); err != nil {
				return nil, fail(ExitRunFailure, "volume source %s: %w", m.Source, err)
			}
		}
	}
	userSpec := cmp.Or(o.User, cfg.Config.User)
	u, err := resolveUser(rootfs, userSpec)
	if err != nil {
		return nil, err
	}
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+cmp.Or(u.Home, "/"))
	}
	cwd := cmp.Or(o.Workdir, cmp.Or(cfg.Config.WorkingDir, "/"))
	if !path.IsAbs(cwd) {
		return nil, errdefs.Usagef("working directory %q must be absolute", cwd)
	}
	if err := checkCommand(rootfs, args[0], env, cwd, o.Mounts); err != nil {
		return nil, err
	}
	if o.Init {
		initPath, err := findInit(o.InitPath)
		if err != nil {
			return nil, err
		}
		o.Mounts = append(o.Mounts, Mount{Type: "bind", Source: initPath, Target: initTarget, ReadOnly: true})
		args = append([]string{initTarget, "--"}, args...)
	}
	files, err := b.etcFiles(hostname, o)
	if err != nil {
		return nil, err
	}
	// A user other than root has its primary group among the
	// supplementary ones too, as under podman ("id -u nobody" prints
	// groups=65534(nobody); root's groups are /etc/group's only).
	var groups []uint32
	if u.Uid != 0 {
		groups = append(groups, uint32(u.Gid))
	}
	for _, g := range u.Sgids {
		if u.Uid == 0 || g != u.Gid {
			groups = append(groups, uint32(g))
		}
	}
	if len(o.GroupAdd) > 0 {
		group, _ := securejoin.SecureJoin(rootfs, "/etc/group")
		more, err := user.GetAdditionalGroupsPath(o.GroupAdd, group)
		if err != nil {
			return nil, fail(ExitRunFailure, "supplementary groups: %w", err)
		}
		for _, g := range more {
			if !slices.Contains(groups, uint32(g)) {
				groups = append(groups, uint32(g))
			}
		}
	}
	spec, err := buildSpec(specInput{
		opts: o, rootfs: rootfs, args: args, env: env, cwd: cwd,
		uid: uint32(u.Uid), gid: uint32(u.Gid), groups: groups, hostname: hostname, files: files,
	})
	if err != nil {
		return nil, err
	}
	// The caller's annotations first (checked: none of ctr's own), then
	// ctr's over them.
	spec.Annotations = maps.Clone(o.Annotations)
	if spec.Annotations == nil {
		spec.Annotations = map[string]string{}
	}
	spec.Annotations[annotName], spec.Annotations[annotImage] = name, o.Image
	// What a later "ctr-run start" needs to supervise it the same way.
	if o.Interactive {
		spec.Annotations[annotStdin] = "true"
	}
	if o.LogSizeMax > 0 {
		spec.Annotations[annotLogSizeMax] = strconv.FormatInt(o.LogSizeMax, 10)
		spec.Annotations[annotLogMaxFiles] = strconv.Itoa(o.LogMaxFiles)
	}
	stop := cmp.Or(o.StopSignal, cmp.Or(cfg.Config.StopSignal, "SIGTERM"))
	sig, err := signals.Parse(stop)
	if err != nil || sig < 1 || sig > 64 {
		return nil, fail(ExitRunFailure, "stop signal %q: not a signal", stop)
	}
	spec.Annotations[annotStopSignal] = strconv.Itoa(int(sig))
	if o.StopTimeout != nil {
		spec.Annotations[annotStopTimeout] = strconv.Itoa(*o.StopTimeout)
	}
	return spec, nil
}

func hasEnv(env []string, name string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, name+"=") {
			return true
		}
	}
	return false
}

func envFromFiles(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		env, err := ParseEnvFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, env...)
	}
	return out, nil
}

// commandArgs: the entrypoint (image's or --entrypoint) followed by the
// command (given, else the image's Cmd unless --entrypoint was given).
func commandArgs(cfg *imgspecv1.Image, o *Request) []string {
	if o.Command != nil {
		return slices.Clone(o.Command)
	}
	entry := cfg.Config.Entrypoint
	cmd := cfg.Config.Cmd
	if o.Entrypoint != nil {
		entry, cmd = nil, nil
		if *o.Entrypoint != "" {
			entry = []string{*o.Entrypoint}
		}
	}
	if len(o.Args) > 0 {
		cmd = o.Args
	}
	return append(append([]string{}, entry...), cmd...)
}

// initTarget is where --init's program is mounted in the container.
const initTarget = "/run/ctr-init"

// findInit finds --init's program: the one given, else podman's catatonit,
// else catatonit or tini on PATH. It must be static: it runs in the image.
func findInit(given string) (string, error) {
	candidates := []string{given}
	if given == "" {
		candidates = []string{"/usr/libexec/podman/catatonit"}
		for _, name := range []string{"catatonit", "tini-static", "tini"} {
			if p, err := exec.LookPath(name); err == nil {
				candidates = append(candidates, p)
			}
		}
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return c, nil
		}
	}
	if given != "" {
		return "", fail(ExitRunFailure, "init %s: not an executable file", given)
	}
	return "", fail(ExitRunFailure, "no init found: install catatonit (or tini), or name one")
}

// resolveUser resolves user[:group] (names or numbers) with the image's
// /etc/passwd and /etc/group, read inside the rootfs.
func resolveUser(rootfs, spec string) (*user.ExecUser, error) {
	passwd, _ := securejoin.SecureJoin(rootfs, "/etc/passwd")
	group, _ := securejoin.SecureJoin(rootfs, "/etc/group")
	u, err := user.GetExecUserPath(cmp.Or(spec, "0"), &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}, passwd, group)
	if err != nil {
		return nil, fail(ExitRunFailure, "user %q: %w", spec, err)
	}
	return u, nil
}

// checkCommand finds the command in the rootfs as the container would (its
// PATH, or a path), so that a missing one gives 127 and one that cannot be
// executed 126 before anything starts.
func checkCommand(rootfs, cmd string, env []string, cwd string, mounts []Mount) error {
	var candidates []string
	switch {
	case strings.Contains(cmd, "/"):
		p := cmd
		if !path.IsAbs(p) {
			p = path.Join(cwd, p)
		}
		candidates = []string{p}
	default:
		pathVar := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		for _, e := range env {
			if v, ok := strings.CutPrefix(e, "PATH="); ok {
				pathVar = v
			}
		}
		for _, dir := range strings.Split(pathVar, ":") {
			if path.IsAbs(dir) {
				candidates = append(candidates, path.Join(dir, cmd))
			}
		}
	}
	notExec := ""
	for _, c := range candidates {
		host, known := hostPath(rootfs, c, mounts)
		if !known {
			return nil // below a mount with no host path (tmpfs): the runtime will tell
		}
		if host == "" {
			continue
		}
		st, err := os.Stat(host)
		if err != nil {
			continue
		}
		if st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return nil
		}
		notExec = c
	}
	if notExec != "" {
		return fail(ExitCannotExecute, "%s: permission denied: not an executable file", notExec)
	}
	return fail(ExitCommandNotFound, "%s: command not found in the container", cmd)
}

// etcFiles writes the container's /etc/hosts, /etc/hostname and
// /etc/resolv.conf into the bundle, to be bind-mounted.
func (b *bundle) etcFiles(hostname string, o *launch) (map[string]string, error) {
	hosts := hostsFile(hostname, o)
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil || strings.Contains(string(resolv), "127.0.0.53") {
		resolv = []byte{} // a host-local resolver is unreachable from the container
	}
	if o.netState != nil {
		resolv = withoutLoopbackServers(resolv)
	}
	resolv = resolvConf(resolv, o.Request)
	files := map[string]string{
		"/etc/hosts":       filepath.Join(b.dir, "hosts"),
		"/etc/hostname":    filepath.Join(b.dir, "hostname"),
		"/etc/resolv.conf": filepath.Join(b.dir, "resolv.conf"),
	}
	content := map[string][]byte{"/etc/hosts": []byte(hosts), "/etc/hostname": []byte(hostname + "\n"), "/etc/resolv.conf": resolv}
	if o.NoHosts {
		delete(files, "/etc/hosts") // the image's own
		if err := os.Remove(filepath.Join(b.dir, "hosts")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	for dst, src := range files {
		if shared, ok := o.podFiles[dst]; ok {
			files[dst] = shared // the pod's, kept by its infra container
			continue
		}
		if err := writeInPlace(src, content[dst]); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// resolvConf replaces the host's name servers, search domains and options
// with those given (--dns, --dns-search, --dns-option), each kind only
// when given.
func resolvConf(host []byte, o *Request) []byte {
	if len(o.DNS)+len(o.DNSSearch)+len(o.DNSOptions) == 0 {
		return host
	}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(host), "\n"), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "nameserver" && len(o.DNS) > 0,
			(f[0] == "search" || f[0] == "domain") && len(o.DNSSearch) > 0,
			f[0] == "options" && len(o.DNSOptions) > 0:
			continue
		}
		out = append(out, line)
	}
	for _, ns := range o.DNS {
		out = append(out, "nameserver "+ns)
	}
	if len(o.DNSSearch) > 0 {
		out = append(out, "search "+strings.Join(o.DNSSearch, " "))
	}
	if len(o.DNSOptions) > 0 {
		out = append(out, "options "+strings.Join(o.DNSOptions, " "))
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func (b *bundle) write(spec *specs.Spec) error {
	// Not indented: with a seccomp profile the indenting alone took ~2 ms.
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o600)
}

func (b *bundle) unmount() {
	if b.mounted {
		_, _ = b.store.Unmount(b.id, true)
		b.mounted = false
	}
}

// remove deletes the storage container and the bundle.
func (b *bundle) remove() error {
	b.unmount()
	err := b.store.DeleteContainer(b.id)
	if errors.Is(err, storage.ErrContainerUnknown) {
		err = nil
	}
	for _, dir := range []string{b.dir, b.persist} {
		if rerr := os.RemoveAll(dir); dir != "" && err == nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	_ = os.Remove(filepath.Join(filepath.Dir(b.dir), "exits", b.id))
	_ = os.Remove(filepath.Join(filepath.Dir(b.dir), "exits", b.id+".oom"))
	return err
}

// hostPath is where the container's path p is on the host: in a bind
// mount's source when p is below its target (the last such mount wins, as
// mounts stack), else in the rootfs. known is false below a mount whose
// content the host cannot see (a tmpfs); host is "" when p cannot be
// resolved.
func hostPath(rootfs, p string, mounts []Mount) (host string, known bool) {
	for i := len(mounts) - 1; i >= 0; i-- {
		m := mounts[i]
		rel, ok := strings.CutPrefix(p, strings.TrimSuffix(m.Target, "/")+"/")
		if !ok {
			if p != m.Target {
				continue
			}
			rel = "" // the mount's target itself: its source
		}
		if m.Type != "bind" {
			return "", false
		}
		h, err := securejoin.SecureJoin(m.Source, rel)
		if err != nil {
			return "", true
		}
		return h, true
	}
	h, err := securejoin.SecureJoin(rootfs, p)
	if err != nil {
		return "", true
	}
	return h, true
}

// hostsFile is the container's /etc/hosts, as podman writes it: localhost,
// the container's address with its host name and name (on a network; else
// 127.0.1.1), the host as host.containers.internal (the gateway), and
// --add-host entries.
func hostsFile(hostname string, o *launch) string {
	hosts := "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain\n"
	switch {
	case o.netState != nil && len(o.netState.Attachments) > 0 && o.netState.Attachments[0].IP() != "":
		a := o.netState.Attachments[0]
		names := hostname
		if o.Name != "" && o.Name != hostname {
			names += " " + o.Name
		}
		hosts += a.IP() + "\t" + names + "\n"
		if a.Gateway != "" {
			hosts += a.Gateway + "\thost.containers.internal\n"
		}
	default:
		hosts += "127.0.1.1\t" + hostname + "\n"
	}
	for _, h := range o.AddHosts {
		hosts += h.IP + "\t" + h.Name + "\n"
	}
	return hosts
}

// withoutLoopbackServers drops name servers on the host's loopback, which
// a container in a network namespace of its own cannot reach; with none
// left, podman's defaults.
func withoutLoopbackServers(resolv []byte) []byte {
	var out []string
	servers := 0
	for _, line := range strings.Split(strings.TrimRight(string(resolv), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if ip := net.ParseIP(f[1]); ip != nil && ip.IsLoopback() {
				continue
			}
			servers++
		}
		if line != "" {
			out = append(out, line)
		}
	}
	if servers == 0 {
		out = append(out, "nameserver 8.8.8.8", "nameserver 8.8.4.4")
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// writeInPlace writes a file that may already be bind-mounted into a
// running container: the same inode, so the container sees the change.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
