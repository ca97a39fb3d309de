// Package runflags parses the strings of ctr-run's flags — podman's
// syntax — into lib/run's types: -v, --mount, -p, --device, --ulimit and
// the rest. ctr-build shares a few of them (the network mode, the pull
// policy, a volume).
//
// The checks of a request that lib/run makes itself, or that more than
// one front door makes (ctr-run's flags, ctr-cri's configs), stay in
// lib/run: run.CheckKeys, run.CheckDNS, run.CheckHostname, run.CheckCaps
// and the rest. The syntax of a command line is this package's.
package runflags
