// Command ctrtest does, inside a test's container, what its busybox image
// cannot: make a System V shared memory segment (util-linux's ipcmk -M),
// or hold some memory. It is built static, to be bind-mounted into any
// image.
//
//	ctrtest shmget SIZE   make a segment; print its id
//	ctrtest hog MIB       allocate and touch MIB MiB, say so, then sleep
//	ctrtest sigstore-key PREFIX PASSPHRASE
//	                      write a sigstore key pair: PREFIX.key, PREFIX.pub
//	                      (skopeo generate-sigstore-key, which Debian's
//	                      skopeo 1.9 does not have)
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"go.podman.io/image/v5/signature/sigstore"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "sigstore-key" {
		keys, err := sigstore.GenerateKeyPair([]byte(os.Args[3]))
		if err != nil {
			fail(err.Error())
		}
		if err := os.WriteFile(os.Args[2]+".key", keys.PrivateKey, 0o600); err != nil {
			fail(err.Error())
		}
		if err := os.WriteFile(os.Args[2]+".pub", keys.PublicKey, 0o644); err != nil {
			fail(err.Error())
		}
		return
	}
	if len(os.Args) != 3 {
		fail("usage: ctrtest shmget SIZE | ctrtest hog MIB")
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fail("want a positive number, not " + os.Args[2])
	}
	switch os.Args[1] {
	case "shmget":
		id, err := unix.SysvShmGet(unix.IPC_PRIVATE, n, unix.IPC_CREAT|0o600)
		if err != nil {
			fail("shmget: " + err.Error())
		}
		fmt.Printf("Shared memory id: %d\n", id)
	case "hog":
		mem := make([][]byte, n)
		for i := range mem {
			mem[i] = make([]byte, 1<<20)
			for j := 0; j < len(mem[i]); j += 4096 {
				mem[i][j] = 1 // touched: resident, charged to the cgroup
			}
		}
		fmt.Printf("holding %d MiB\n", n)
		for {
			time.Sleep(time.Hour)
			_ = mem[0][0]
		}
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "ctrtest: "+msg)
	os.Exit(2)
}
