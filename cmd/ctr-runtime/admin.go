package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/opencontainers/runc/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/lib/oci"
)

// adminCommands are runc's commands beside the lifecycle, as podman and
// the CRI call them: pause, resume, ps, update, events, features.
func adminCommands(rt func() *oci.Runtime) []*ucli.Command {
	return []*ucli.Command{pauseCommand(rt, true), pauseCommand(rt, false), psCommand(rt), updateCommand(rt), eventsCommand(rt), featuresCommand()}
}

func pauseCommand(rt func() *oci.Runtime, pause bool) *ucli.Command {
	name, usage := "pause", "freeze every process of a running container"
	if !pause {
		name, usage = "resume", "thaw a paused container"
	}
	return &ucli.Command{
		Name: name, Usage: usage, ArgsUsage: "ID",
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			if pause {
				return rt().Pause(id)
			}
			return rt().Resume(id)
		},
	}
}

func psCommand(rt func() *oci.Runtime) *ucli.Command {
	var format string
	return &ucli.Command{
		Name: "ps", Usage: "list a container's processes: ps(1)'s table (PS_OPTIONS, default -ef) of them, or their PIDs as JSON", ArgsUsage: "ID [PS_OPTIONS...]",
		Flags: []ucli.Flag{&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "`FORMAT`: table or json", Destination: &format}},
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			pids, err := rt().Processes(id)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				if pids == nil {
					pids = []int{}
				}
				return json.NewEncoder(c.App.Writer).Encode(pids)
			case "table":
				return psTable(c.App.Writer, pids, c.Args().Tail())
			}
			return fmt.Errorf("--format %q: want table or json", format)
		},
	}
}

// psTable runs ps(1) and keeps its heading and the lines of pids.
func psTable(w io.Writer, pids []int, args []string) error {
	if len(args) == 0 {
		args = []string{"-ef"}
	}
	out, err := exec.Command("ps", args...).Output()
	if err != nil {
		return fmt.Errorf("ps %s: %w", strings.Join(args, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := -1
	for i, f := range strings.Fields(lines[0]) {
		if f == "PID" {
			col = i
		}
	}
	if col < 0 {
		return errors.New("ps printed no PID column")
	}
	want := map[string]bool{}
	for _, p := range pids {
		want[strconv.Itoa(p)] = true
	}
	fmt.Fprintln(w, lines[0])
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > col && want[f[col]] {
			fmt.Fprintln(w, l)
		}
	}
	return nil
}

func updateCommand(rt func() *oci.Runtime) *ucli.Command {
	var resources string
	return &ucli.Command{
		Name: "update", Usage: "change a container's resource limits", ArgsUsage: "ID",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: "read the limits (a spec's linux.resources, JSON) from `FILE`, - for stdin", Destination: &resources},
			&ucli.StringFlag{Name: "memory", Usage: "memory limit `SIZE` (e.g. 512m)"},
			&ucli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit `SIZE`"},
			&ucli.StringFlag{Name: "memory-swap", Usage: "memory plus swap limit `SIZE` (-1: no limit)"},
			&ucli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period in `MICROSECONDS`"},
			&ucli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS quota in `MICROSECONDS` per period (-1: none)"},
			&ucli.StringFlag{Name: "cpu-share", Usage: "CPU shares: a relative `WEIGHT`"},
			&ucli.StringFlag{Name: "cpu-rt-period", Usage: "realtime period in `MICROSECONDS`"},
			&ucli.StringFlag{Name: "cpu-rt-runtime", Usage: "realtime runtime in `MICROSECONDS` per period"},
			&ucli.StringFlag{Name: "cpuset-cpus", Usage: "the `CPUS` it may run on (0-3, 0,1)"},
			&ucli.StringFlag{Name: "cpuset-mems", Usage: "the memory `NODES` it may use"},
			&ucli.StringFlag{Name: "pids-limit", Usage: "at most `N` processes (-1: no limit)"},
			&ucli.StringFlag{Name: "blkio-weight", Usage: "block I/O `WEIGHT` (10-1000)"},
		},
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			res := &specs.LinuxResources{}
			if resources != "" {
				if res, err = readResources(c.App.Reader, resources); err != nil {
					return err
				}
			}
			if err := resourceFlags(c, res); err != nil {
				return err
			}
			return rt().Update(id, res)
		},
	}
}

// readResources reads a spec's linux.resources object from path (- for r).
func readResources(r io.Reader, path string) (*specs.LinuxResources, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(r)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var res specs.LinuxResources
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("--resources: %w", err)
	}
	return &res, nil
}

// resourceFlags sets on res what the flags of update say.
func resourceFlags(c *ucli.Context, res *specs.LinuxResources) error {
	num := func(flag string, size bool) (*int64, error) {
		v := c.String(flag)
		if !c.IsSet(flag) {
			return nil, nil
		}
		if v == "-1" {
			n := int64(-1)
			return &n, nil
		}
		var n int64
		var err error
		if size {
			n, err = units.RAMInBytes(v)
		} else {
			n, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %w", flag, v, err)
		}
		return &n, nil
	}
	unsigned := func(p *int64) *uint64 {
		if p == nil {
			return nil
		}
		u := uint64(*p)
		return &u
	}
	mem := map[string]**int64{}
	if res.Memory == nil {
		res.Memory = &specs.LinuxMemory{}
	}
	if res.CPU == nil {
		res.CPU = &specs.LinuxCPU{}
	}
	mem["memory"], mem["memory-reservation"], mem["memory-swap"] = &res.Memory.Limit, &res.Memory.Reservation, &res.Memory.Swap
	for flag, dst := range mem {
		v, err := num(flag, true)
		if err != nil {
			return err
		}
		if v != nil {
			*dst = v
		}
	}
	for flag, set := range map[string]func(*int64){
		"cpu-period":     func(v *int64) { res.CPU.Period = unsigned(v) },
		"cpu-quota":      func(v *int64) { res.CPU.Quota = v },
		"cpu-share":      func(v *int64) { res.CPU.Shares = unsigned(v) },
		"cpu-rt-period":  func(v *int64) { res.CPU.RealtimePeriod = unsigned(v) },
		"cpu-rt-runtime": func(v *int64) { res.CPU.RealtimeRuntime = v },
		"pids-limit":     func(v *int64) { res.Pids = &specs.LinuxPids{Limit: v} },
		"blkio-weight": func(v *int64) {
			w := uint16(*v)
			res.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		},
	} {
		v, err := num(flag, false)
		if err != nil {
			return err
		}
		if v != nil {
			set(v)
		}
	}
	if c.IsSet("cpuset-cpus") {
		res.CPU.Cpus = c.String("cpuset-cpus")
	}
	if c.IsSet("cpuset-mems") {
		res.CPU.Mems = c.String("cpuset-mems")
	}
	return nil
}

func eventsCommand(rt func() *oci.Runtime) *ucli.Command {
	var stats bool
	var interval time.Duration
	return &ucli.Command{
		Name: "events", Usage: "print a container's cgroup statistics as JSON events: once with --stats, else every --interval until it stops", ArgsUsage: "ID",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "stats", Usage: "print the statistics once and exit", Destination: &stats},
			&ucli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "print them every `DURATION`", Destination: &interval},
		},
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			if interval <= 0 {
				return fmt.Errorf("--interval %s: want a positive duration", interval)
			}
			enc := json.NewEncoder(c.App.Writer)
			for {
				if !stats && isGone(rt(), id) {
					return nil // it stopped: the stream ends
				}
				s, err := rt().Stats(id)
				if err != nil {
					if !stats && isGone(rt(), id) {
						return nil // it stopped: the stream ends
					}
					return err
				}
				if err := enc.Encode(types.Event{Type: "stats", ID: id, Data: s}); err != nil || stats {
					return err
				}
				select {
				case <-c.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
}

// isGone says whether the container is stopped or no longer known.
func isGone(r *oci.Runtime, id string) bool {
	st, err := r.State(id)
	return err != nil || st.Status == specs.StateStopped
}

func featuresCommand() *ucli.Command {
	return &ucli.Command{
		Name: "features", Usage: "print what this runtime supports, as JSON (runtime-spec's features document)",
		Action: func(c *ucli.Context) error {
			return printJSON(c.App.Writer, oci.Features())
		},
	}
}
