package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

// defaultConfig is read when it exists and --config is not given.
const defaultConfig = "/etc/ctr/cri.toml"

// configKeys are the keys of cri.toml ("TABLE.KEY" for those in a
// table) and the flag each stands for: a file says what the flags would,
// and a flag given on the command line wins over it.
var configKeys = map[string]string{
	"listen":                 "listen",
	"stream_address":         "stream-address",
	"runtime":                "runtime",
	"pause_binary":           "pause-binary",
	"cgroup_manager":         "cgroup-manager",
	"log_level":              "log-level",
	"storage.root":           "root",
	"storage.runroot":        "runroot",
	"storage.driver":         "storage-driver",
	"storage.options":        "storage-opt",
	"network.config_dir":     "network-config-dir",
	"network.plugin_dirs":    "cni-plugin-dir",
	"image.registries_conf":  "registries-conf",
	"image.signature_policy": "signature-policy",
	"image.insecure_policy":  "insecure-policy",
	"image.authfile":         "authfile",
	"image.cert_dir":         "cert-dir",
	"image.tls_verify":       "tls-verify",
	"pull.retry":             "retry",
	"pull.retry_delay":       "retry-delay",
	"pull.stall_timeout":     "stall-timeout",
}

// applyConfig reads the config file (--config, else the default one if
// it exists) and sets each flag it names that the command line did not.
func applyConfig(c *ucli.Context, path string) error {
	explicit := c.IsSet("config")
	if !explicit {
		path = defaultConfig
	}
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return cli.UsageError("config %s: %v", path, err)
	}
	values := map[string]any{}
	if err := flatten("", doc, values); err != nil {
		return cli.UsageError("config %s: %v", path, err)
	}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		flag, ok := configKeys[key]
		if !ok {
			return cli.UsageError("config %s: unknown key %q", path, key)
		}
		if c.IsSet(flag) {
			continue // the command line's
		}
		for _, v := range asList(values[key]) {
			if err := c.Set(flag, v); err != nil {
				return cli.UsageError("config %s: %s: %v", path, key, err)
			}
		}
	}
	return nil
}

// flatten turns tables into "TABLE.KEY" entries; nested tables go no
// deeper than one level (cri.toml has no more).
func flatten(prefix string, doc map[string]any, out map[string]any) error {
	for k, v := range doc {
		if t, ok := v.(map[string]any); ok {
			if prefix != "" {
				return fmt.Errorf("table %s.%s: no such table", prefix, k)
			}
			if err := flatten(k+".", t, out); err != nil {
				return err
			}
			continue
		}
		out[prefix+k] = v
	}
	return nil
}

// asList is a value as the flag's strings: each element of an array.
func asList(v any) []string {
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// logLevels are --log-level's values, quietest first.
var logLevels = []string{"error", "warn", "info", "debug"}

func checkLogLevel(level string) error {
	if !slices.Contains(logLevels, level) {
		return cli.UsageError("--log-level %q: want %s", level, strings.Join(logLevels, ", "))
	}
	return nil
}
