package workcontainer

import (
	"fmt"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// LookupOwner resolves USER[:GROUP] (names or numbers) with the rootfs's
// /etc/passwd and /etc/group.
func LookupOwner(rootfs, spec string) (int, int, error) {
	passwd, err := securejoin.SecureJoin(rootfs, "/etc/passwd")
	if err != nil {
		return 0, 0, err
	}
	group, err := securejoin.SecureJoin(rootfs, "/etc/group")
	if err != nil {
		return 0, 0, err
	}
	u, err := user.GetExecUserPath(spec, nil, passwd, group)
	if err != nil {
		return 0, 0, errdefs.Usagef("owner %q: %v", spec, fmt.Sprint(err))
	}
	return u.Uid, u.Gid, nil
}
