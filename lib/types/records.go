// Package types holds the JSON records that ctr tools print with --json
// and read back on stdin: the pipe contract between the tools. Every record
// carries a schema field naming its type and version; fields are only ever
// added within a version.
package types

import (
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// CopySchema names the version of CopyRecord.
const CopySchema = "ctr.copy/v1"

// CopyRecord is what ctr-copy prints for each image it copied.
type CopyRecord struct {
	// Schema is always CopySchema.
	Schema string `json:"schema"`
	// Ref is the destination pinned by digest where the transport can
	// express it (docker://host/repo@sha256:…, containers-storage:<image ID>),
	// otherwise the destination as written. The next tool reads this field.
	Ref string `json:"ref"`
	// Source is the source reference, with its transport.
	Source string `json:"source"`
	// Destination is the destination reference, with its transport.
	Destination string `json:"destination"`
	// Digest is the digest of the manifest (or index) written.
	Digest string `json:"digest"`
	// MediaType is the media type of that manifest.
	MediaType string `json:"mediaType,omitempty"`
	// ID is the image ID when the destination is containers-storage.
	ID string `json:"id,omitempty"`
	// Skipped is true when the destination already held this exact manifest
	// and nothing was transferred.
	Skipped bool `json:"skipped,omitempty"`
	// Blobs counts the blobs seen, and how many of them were found at the
	// destination already (or mounted there) instead of being sent.
	Blobs       int `json:"blobs"`
	BlobsReused int `json:"blobsReused"`
	// Bytes is the number of blob bytes read from the source.
	Bytes int64 `json:"bytes"`
	// Seconds is the wall time of the copy.
	Seconds float64 `json:"seconds"`
}

// PullSchema names the version of PullRecord.
const PullSchema = "ctr.pull/v1"

// PullRecord is what ctr-pull prints for each image it pulled (or found).
type PullRecord struct {
	// Schema is always PullSchema.
	Schema string `json:"schema"`
	// ID is the image ID in local storage; the next tool reads this field.
	ID string `json:"id"`
	// Names are the image's names in local storage.
	Names []string `json:"names"`
	// Digest is the digest of the image's manifest.
	Digest string `json:"digest"`
	// Size is the sum of the image's layer sizes, uncompressed, in bytes.
	Size int64 `json:"size"`
	// Source is the reference pulled from, with its transport.
	Source string `json:"source"`
	// Pulled is false when the pull policy kept the image already stored.
	Pulled bool `json:"pulled"`
	// Bytes is the number of blob bytes read from the source.
	Bytes int64 `json:"bytes"`
	// Seconds is the wall time of the pull.
	Seconds float64 `json:"seconds"`
}

// ContainerSchema names the version of ContainerMeta.
const ContainerSchema = "ctr.container/v1"

// ContainerMeta is what ctr-run keeps in a storage container's metadata.
type ContainerMeta struct {
	Schema    string    `json:"schema"`
	Image     string    `json:"image"`     // image ID
	ImageName string    `json:"imageName"` // as the user gave it
	Command   []string  `json:"command,omitempty"`
	Created   time.Time `json:"created"`
	Pod       string    `json:"pod,omitempty"`   // the pod's ID, for a container in one
	Infra     bool      `json:"infra,omitempty"` // the pod's infra container
	// Labels are the caller's, kept with the container, and ctr's tools'
	// own (keys starting io.ctr.: ctr-cri keeps the kubelet's config
	// there), which no outside input sets.
	Labels map[string]string `json:"labels,omitempty"`
}

// BuildSchema names the version of BuildRecord.
const BuildSchema = "ctr.build/v1"

// BuildRecord is what ctr-build prints for each image it committed.
type BuildRecord struct {
	// Schema is always BuildSchema.
	Schema string `json:"schema"`
	// ID is the image ID in local storage; the next tool reads this field.
	ID string `json:"id"`
	// Names are the image's names in local storage.
	Names []string `json:"names,omitempty"`
	// Digest is the digest of the image's manifest.
	Digest string `json:"digest"`
	// Seconds is the wall time of the build (or commit).
	Seconds float64 `json:"seconds"`
}

// WorkingContainerSchema names the version of WorkingContainer.
const WorkingContainerSchema = "ctr.build-container/v1"

// WorkingContainer is what ctr-build keeps in a storage container's
// metadata while an image is being built in it: where it came from and
// the config and history the committed image will have.
type WorkingContainer struct {
	Schema    string    `json:"schema"`
	FromImage string    `json:"fromImage,omitempty"` // image ID; "" for scratch
	FromName  string    `json:"fromName"`            // as the user gave it
	Created   time.Time `json:"created"`
	// Image is the image config (OCI) being built: the base image's,
	// changed by "ctr-build config" and the build steps. Its history and
	// diff IDs are the base image's.
	Image imgspecv1.Image `json:"image"`
	// History has the entries added since the base image, committed after
	// its own: empty layers (config changes) and the one committed layer.
	History []imgspecv1.History `json:"history,omitempty"`
}

// InspectSchema names the version of InspectRecord.
const InspectSchema = "ctr.inspect/v1"

// InspectRecord is what ctr-inspect prints for each image: the fields of
// skopeo inspect, and the platforms of an index.
type InspectRecord struct {
	// Schema is always InspectSchema.
	Schema string `json:"schema"`
	// Ref is the image pinned by the digest of its manifest where the
	// transport can say so (docker://host/repo@sha256:…), else as given.
	// The next tool reads this field.
	Ref string `json:"ref"`
	// Name is the repository (host/repo) for registry images, else the
	// reference as given.
	Name string `json:"name"`
	// Digest is the digest of the manifest, or of the index for a
	// multi-platform image; MediaType is its media type.
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	// RepoTags are the repository's tags (registry images, unless not
	// asked for).
	RepoTags []string `json:"repoTags,omitempty"`
	// Platforms are the entries of an index; Instance is the digest of the
	// one described below (the host's platform, or the one asked for).
	Platforms []InspectPlatform `json:"platforms,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	// The image's configuration.
	Created      *time.Time        `json:"created,omitempty"`
	Author       string            `json:"author,omitempty"`
	Architecture string            `json:"architecture"`
	OS           string            `json:"os"`
	Variant      string            `json:"variant,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Env          []string          `json:"env,omitempty"`
	// Layers are the manifest's layers, in order.
	Layers []InspectLayer `json:"layers"`
}

// InspectPlatform is one entry of an index.
type InspectPlatform struct {
	Digest       string `json:"digest"`
	MediaType    string `json:"mediaType"`
	Size         int64  `json:"size"`
	OS           string `json:"os,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	Variant      string `json:"variant,omitempty"`
}

// InspectLayer is one layer of a manifest.
type InspectLayer struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
}

// ImageSchema names the version of ImageRecord.
const ImageSchema = "ctr.image/v1"

// ImageRecord is what ctr-image prints for each stored image (ls, rm,
// prune).
type ImageRecord struct {
	// Schema is always ImageSchema.
	Schema string `json:"schema"`
	// ID is the image ID in local storage; the next tool reads this field.
	ID string `json:"id"`
	// Names are the image's names (host/repo:tag); none for a dangling one.
	Names  []string `json:"names"`
	Digest string   `json:"digest"`
	// Created is the image's creation time, from its config.
	Created time.Time `json:"created"`
	// Size is the sum of its layers' sizes, uncompressed, in bytes.
	Size     int64 `json:"size"`
	Dangling bool  `json:"dangling"`
	// Containers counts the containers made from it (any tool's).
	Containers int  `json:"containers"`
	ReadOnly   bool `json:"readOnly,omitempty"`
	// Untagged and Deleted say what rm did: names taken off, the image gone.
	Untagged []string `json:"untagged,omitempty"`
	Deleted  bool     `json:"deleted,omitempty"`
	// Ref is, for a registry's image that rm deleted, its reference pinned
	// by the digest deleted (ID is then empty).
	Ref string `json:"ref,omitempty"`
}

// HistorySchema names the version of HistoryRecord.
const HistorySchema = "ctr.history/v1"

// HistoryRecord is one step of an image's history (ctr-image history).
type HistoryRecord struct {
	Schema string `json:"schema"`
	// ID is the image's for the last step, "<missing>" for the others (as
	// podman history shows them).
	ID         string     `json:"id"`
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"createdBy"`
	Size       int64      `json:"size"`
	Comment    string     `json:"comment,omitempty"`
	EmptyLayer bool       `json:"emptyLayer,omitempty"`
}
