package containerfile

import (
	"fmt"
	"io"
	"os"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/idtools"

	"github.com/ctr-project/ctr/lib/storedimage"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// squash makes one image of the stage's work: the base image's layers and
// one new layer with everything the steps changed (what they removed as
// whiteouts), the final config, and the steps' history, the last entry
// carrying the layer. It returns the new image's ID.
func (b *builder) squash(baseID, finalID string) (string, error) {
	if baseID == finalID {
		return finalID, nil
	}
	final, err := storedimage.Config(b.store, finalID)
	if err != nil {
		return "", err
	}
	base := workcontainer.ScratchImage()
	oldDir := ""
	if baseID != "" {
		img, err := storedimage.Config(b.store, baseID)
		if err != nil {
			return "", err
		}
		base = *img
		if oldDir, err = b.store.MountImage(baseID, nil, ""); err != nil {
			return "", fmt.Errorf("squash: %w", err)
		}
		defer b.store.UnmountImage(baseID, false) //nolint:errcheck // read only: a failed unmount is the store's to retry
	} else {
		if oldDir, err = os.MkdirTemp("", "ctr-build-scratch"); err != nil {
			return "", err
		}
		defer os.RemoveAll(oldDir)
	}
	newDir, err := b.store.MountImage(finalID, nil, "")
	if err != nil {
		return "", fmt.Errorf("squash: %w", err)
	}
	defer b.store.UnmountImage(finalID, false) //nolint:errcheck // read only: a failed unmount is the store's to retry

	// The steps' history: every entry without a layer but the last.
	var steps []imgspecv1.History
	if len(final.History) > len(base.History) {
		steps = append(steps, final.History[len(base.History):]...)
	}
	createdBy := "ctr-build squash"
	if n := len(steps); n > 0 {
		createdBy = steps[n-1].CreatedBy
		steps = steps[:n-1]
	}
	for i := range steps {
		steps[i].EmptyLayer = true
	}
	img := *final
	img.History, img.RootFS = base.History, base.RootFS
	c := &workcontainer.Container{Name: "squash", Meta: workcontainer.WorkingContainerMeta(baseID, img, steps)}
	id, _, err := workcontainer.Commit(b.ctx, b.store, c, workcontainer.CommitOptions{
		CreatedBy: createdBy, Created: b.now(), Reproducible: b.o.Timestamp != nil,
		Layer: func() (io.ReadCloser, error) {
			none := idtools.NewIDMappingsFromMaps(nil, nil)
			changes, err := archive.ChangesDirs(newDir, none, oldDir, none)
			if err != nil {
				return nil, fmt.Errorf("squash: %w", err)
			}
			return archive.ExportChanges(newDir, changes, nil, nil)
		},
	})
	return id, err
}
