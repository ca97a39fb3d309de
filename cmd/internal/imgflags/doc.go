// Package imgflags holds the flag groups of the tools that move images
// (registry/TLS/auth, signature policy, storage) and their translators into
// containers/image and storage values. It is apart from package cli so that
// the lean ctr-monitor does not link those libraries.
package imgflags
