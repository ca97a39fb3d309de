package containerfile

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/storage"
)

// layerCache maps a step (the image it started from, the config and
// history pending, the instruction, what it read) to the image it made,
// as podman build's --layers does. Entries are files under the store's
// graph root; one whose image is gone is a miss.
type layerCache struct {
	dir string
	off bool
}

func (c layerCache) key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c layerCache) get(store storage.Store, key string) (string, bool) {
	if c.off {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(c.dir, key))
	if err != nil {
		return "", false
	}
	id := strings.TrimSpace(string(b))
	if _, err := store.Image(id); err != nil {
		return "", false
	}
	return id, true
}

// put records an entry (even with the cache off: the next build may use
// it). Written whole or not at all.
func (c layerCache) put(key, id string) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	tmp := filepath.Join(c.dir, "."+key)
	if os.WriteFile(tmp, []byte(id+"\n"), 0o600) == nil {
		_ = os.Rename(tmp, filepath.Join(c.dir, key))
	}
}
