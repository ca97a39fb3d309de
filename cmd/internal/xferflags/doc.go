// Package xferflags holds the flags of the tools that move images with
// containers/image (ctr-copy, ctr-pull, ctr-inspect, ctr-build, ctr-cri):
// retries and progress, the platform, and the signature policy's
// translator into the library's options (its flags are imgflags', which
// ctr-run passes on to ctr-pull). They are kept apart from imgflags so
// that a tool that only reads local storage and passes pulls on to
// ctr-pull (ctr-run) does not link containers/image's transports.
package xferflags
