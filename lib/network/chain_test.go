package network

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
)

// fakePlugin logs "COMMAND TYPE start|end" around a pause, fails when
// FAKE_FAIL names its type and command, and answers ADD with one address.
const fakePlugin = `#!/bin/sh
cat >/dev/null
t=$(basename "$0")
echo "$CNI_COMMAND $t start" >>"$FAKE_LOG"
sleep 0.2
echo "$CNI_COMMAND $t end" >>"$FAKE_LOG"
if [ "$FAKE_FAIL" = "$CNI_COMMAND $t" ]; then
	echo '{"cniVersion":"0.4.0","code":999,"msg":"fake failure"}'
	exit 1
fi
[ "$CNI_COMMAND" = ADD ] && echo '{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"version":"4","interface":0,"address":"10.9.0.2/24","gateway":"10.9.0.1"}]}'
exit 0
`

type fakeNet struct {
	m    *Manager
	log  string
	list *libcni.NetworkConfigList
	rt   *libcni.RuntimeConf
}

func newFakeNet(t *testing.T, types ...string) *fakeNet {
	t.Helper()
	dir := t.TempDir()
	for _, typ := range types {
		if err := os.WriteFile(filepath.Join(dir, typ), []byte(fakePlugin), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var plugins []string
	for _, typ := range types {
		plugins = append(plugins, `{"type":"`+typ+`"}`)
	}
	list, err := libcni.ConfListFromBytes([]byte(`{"cniVersion":"0.4.0","name":"fake","plugins":[` + strings.Join(plugins, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNet{
		m:    New(Config{ConfDir: dir, PluginDirs: []string{dir}, CacheDir: filepath.Join(dir, "cache")}),
		log:  filepath.Join(dir, "log"),
		list: list,
		rt:   &libcni.RuntimeConf{ContainerID: "c1", NetNS: "/x", IfName: "eth0"},
	}
	t.Setenv("FAKE_LOG", f.log)
	t.Setenv("FAKE_FAIL", "")
	return f
}

// lines returns the log and empties it.
func (f *fakeNet) lines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(f.log)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(f.log)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (f *fakeNet) cached(t *testing.T) bool {
	t.Helper()
	b, _, err := f.m.cni.GetNetworkListCachedConfig(f.list, f.rt)
	return err == nil && b != nil
}

// before says whether line a comes before line b in log.
func before(log []string, a, b string) bool {
	i, j := slices.Index(log, a), slices.Index(log, b)
	return i >= 0 && j >= 0 && i < j
}

func TestPodmansChainOverlapsItsPassThroughPlugins(t *testing.T) {
	f := newFakeNet(t, "bridge", "portmap", "firewall", "tuning")
	if _, err := f.m.addList(context.Background(), f.list, f.rt, false); err != nil {
		t.Fatal(err)
	}
	log := f.lines(t)
	if len(log) != 8 || !before(log, "ADD bridge end", "ADD portmap start") {
		t.Fatalf("ADD: the bridge must answer before the others start: %q", log)
	}
	for _, p := range []string{"portmap", "firewall"} {
		if !before(log, "ADD "+p+" start", "ADD tuning end") || !before(log, "ADD tuning start", "ADD "+p+" end") {
			t.Errorf("ADD: %s did not run beside tuning: %q", p, log)
		}
	}
	if !f.cached(t) {
		t.Error("ADD: no cached result")
	}

	// A MAC set by tuning: its DEL puts the old one back, before the
	// bridge removes the interface.
	mac := *f.rt
	mac.Args = [][2]string{{"MAC", "02:42:ac:11:00:77"}}
	if err := f.m.delList(context.Background(), f.list, &mac, nil); err != nil {
		t.Fatal(err)
	}
	log = f.lines(t)
	if len(log) != 8 || !before(log, "DEL tuning end", "DEL firewall start") || !before(log, "DEL tuning end", "DEL bridge start") {
		t.Fatalf("DEL: tuning must end before the rest starts: %q", log)
	}
	for _, p := range []string{"portmap", "firewall"} {
		if !before(log, "DEL "+p+" start", "DEL bridge end") || !before(log, "DEL bridge start", "DEL "+p+" end") {
			t.Errorf("DEL: %s did not run beside the bridge: %q", p, log)
		}
	}
	if f.cached(t) {
		t.Error("DEL: the cached result is left")
	}
	// Nothing for tuning to restore: it runs beside the bridge too.
	if _, err := f.m.addList(context.Background(), f.list, f.rt, false); err != nil {
		t.Fatal(err)
	}
	f.lines(t)
	if err := f.m.delList(context.Background(), f.list, f.rt, nil); err != nil {
		t.Fatal(err)
	}
	log = f.lines(t)
	if len(log) != 8 || !before(log, "DEL tuning start", "DEL bridge end") || !before(log, "DEL bridge start", "DEL tuning end") {
		t.Errorf("DEL: a tuning that changed nothing did not run beside the bridge: %q", log)
	}
}

func TestTuningThatChangedTheInterfaceRestoresItFirst(t *testing.T) {
	for _, conf := range []string{`{"type":"tuning","mtu":1400}`, `{"type":"tuning","mac":"02:42:ac:11:00:78"}`} {
		list, err := libcni.ConfListFromBytes([]byte(`{"cniVersion":"0.4.0","name":"x","plugins":[{"type":"bridge"},` + conf + `]}`))
		if err != nil {
			t.Fatal(err)
		}
		if tuningRestoresNothing(list, &libcni.RuntimeConf{}) {
			t.Errorf("%s: its DEL would overlap the bridge's", conf)
		}
	}
}

func TestAnOverlappedPluginsFailureIsTheLists(t *testing.T) {
	f := newFakeNet(t, "bridge", "portmap", "firewall", "tuning")
	t.Setenv("FAKE_FAIL", "ADD firewall")
	_, err := f.m.addList(context.Background(), f.list, f.rt, false)
	if err == nil || !strings.Contains(err.Error(), "firewall") {
		t.Fatalf("ADD with a failing firewall: %v", err)
	}
	if f.cached(t) {
		t.Error("a failed ADD left a cached result")
	}
	log := f.lines(t)
	if !slices.Contains(log, "ADD firewall end") || !slices.Contains(log, "ADD portmap end") {
		t.Errorf("ADD returned before its plugins ended: %q", log)
	}

	t.Setenv("FAKE_FAIL", "")
	if _, err := f.m.addList(context.Background(), f.list, f.rt, false); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_FAIL", "DEL portmap")
	if err := f.m.delList(context.Background(), f.list, f.rt, nil); err == nil || !strings.Contains(err.Error(), "portmap") {
		t.Fatalf("DEL with a failing portmap: %v", err)
	}
	if !f.cached(t) {
		t.Error("a failed DEL dropped the cached result: running it again has no prevResult")
	}
}

func TestOtherChainsRunInTheSpecsOrder(t *testing.T) {
	for _, types := range [][]string{
		{"bridge", "portmap", "other"},   // a plugin this package does not know
		{"macvlan", "portmap", "tuning"}, // not a bridge first
		{"bridge", "firewall", "firewall"},
	} {
		f := newFakeNet(t, types...)
		if _, err := f.m.addList(context.Background(), f.list, f.rt, false); err != nil {
			t.Fatal(err)
		}
		log := f.lines(t)
		for i := 1; i < len(log); i += 2 {
			if !strings.HasSuffix(log[i-1], " start") || !strings.HasSuffix(log[i], " end") {
				t.Fatalf("%v: plugins overlapped: %q", types, log)
			}
		}
	}
}
