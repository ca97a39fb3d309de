// Package cri serves the Kubernetes Container Runtime Interface on the
// suite's libraries: images through lib/image and lib/localimage, in the
// containers/storage store podman and ctr-pull share.
package cri

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"go.podman.io/image/v5/docker/reference"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/localimage"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// ImageService is the CRI's image service.
type ImageService struct {
	runtimeapi.UnimplementedImageServiceServer
	Store storage.Store
	Local *image.LocalStore
	// Pull is how images are pulled (registries.conf, policy.json, the
	// retries); the request's credentials are added to its SystemCtx.
	Pull image.PullOptions
	// pulls serializes pulls of one reference: the kubelet asks again
	// while the first pull runs.
	pulls sync.Map
}

// grpcError turns a library error into the CRI's status codes.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errdefs.ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, errdefs.ErrUsage), errors.Is(err, errdefs.ErrBadData):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, errdefs.ErrTemporary):
		return status.Error(codes.Unavailable, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

// criImage describes a stored image as the CRI does: its tags, its
// repository digests, its size and user.
func (s *ImageService) criImage(ctx context.Context, img *storage.Image) *runtimeapi.Image {
	out := &runtimeapi.Image{Id: img.ID, Spec: &runtimeapi.ImageSpec{Image: img.ID}, RepoTags: []string{}, RepoDigests: []string{}}
	if size, err := s.Store.ImageSize(img.ID); err == nil {
		out.Size = uint64(size)
	}
	for _, n := range img.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		if _, ok := named.(reference.Tagged); ok {
			out.RepoTags = append(out.RepoTags, n)
		}
		for _, d := range img.Digests {
			out.RepoDigests = append(out.RepoDigests, named.Name()+"@"+d.String())
		}
	}
	if cfg, err := imageUser(ctx, s.Store, img.ID); err == nil && cfg != "" {
		user, _, _ := strings.Cut(cfg, ":")
		if uid, ok := numeric(user); ok {
			out.Uid = &runtimeapi.Int64Value{Value: uid}
		} else {
			out.Username = user
		}
	}
	return out
}

func numeric(s string) (int64, bool) {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, s != ""
}

// imageUser is the image config's user.
func imageUser(ctx context.Context, store storage.Store, id string) (string, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return "", err
	}
	img, err := ref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		return "", err
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return "", err
	}
	return cfg.Config.User, nil
}

// find resolves an ImageSpec (a name, an ID, a name@digest); nil when it
// is not stored.
func (s *ImageService) find(spec *runtimeapi.ImageSpec) (*storage.Image, error) {
	if spec == nil || spec.Image == "" {
		return nil, status.Error(codes.InvalidArgument, "no image named")
	}
	ref := spec.Image
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		if d, ok := named.(reference.Digested); ok {
			imgs, err := s.Store.ImagesByDigest(d.Digest())
			if err == nil && len(imgs) > 0 {
				return imgs[0], nil
			}
			return nil, nil
		}
	}
	img, err := localimage.Find(s.Store, strings.TrimPrefix(ref, "sha256:"))
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, nil
	}
	return img, err
}

// ListImages lists the stored images (those a filter names, with one).
func (s *ImageService) ListImages(ctx context.Context, req *runtimeapi.ListImagesRequest) (*runtimeapi.ListImagesResponse, error) {
	if f := req.GetFilter(); f != nil && f.GetImage().GetImage() != "" {
		img, err := s.find(f.GetImage())
		if err != nil || img == nil {
			return &runtimeapi.ListImagesResponse{}, grpcError(err)
		}
		return &runtimeapi.ListImagesResponse{Images: []*runtimeapi.Image{s.criImage(ctx, img)}}, nil
	}
	imgs, err := s.Store.Images()
	if err != nil {
		return nil, grpcError(err)
	}
	out := &runtimeapi.ListImagesResponse{}
	for i := range imgs {
		out.Images = append(out.Images, s.criImage(ctx, &imgs[i]))
	}
	return out, nil
}

// StreamImages sends ListImages' answer in one message.
func (s *ImageService) StreamImages(req *runtimeapi.StreamImagesRequest, stream runtimeapi.ImageService_StreamImagesServer) error {
	list, err := s.ListImages(stream.Context(), &runtimeapi.ListImagesRequest{Filter: req.GetFilter()})
	if err != nil {
		return err
	}
	return stream.Send(&runtimeapi.StreamImagesResponse{Images: list.Images})
}

// ImageStatus describes one image; an image that is not stored is no
// error, its Image nil.
func (s *ImageService) ImageStatus(ctx context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	img, err := s.find(req.GetImage())
	if err != nil || img == nil {
		return &runtimeapi.ImageStatusResponse{}, grpcError(err)
	}
	out := &runtimeapi.ImageStatusResponse{Image: s.criImage(ctx, img)}
	if req.GetVerbose() {
		out.Info = map[string]string{"names": strings.Join(img.Names, ","), "topLayer": img.TopLayer, "created": img.Created.String()}
	}
	return out, nil
}

// PullImage pulls an image into the store with the request's credentials
// and returns its ID.
func (s *ImageService) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	spec := req.GetImage()
	if spec.GetImage() == "" {
		return nil, status.Error(codes.InvalidArgument, "no image to pull")
	}
	ref := spec.GetImage()
	mu, _ := s.pulls.LoadOrStore(ref, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	opts := s.Pull
	sys := types.SystemContext{}
	if opts.SystemCtx != nil {
		sys = *opts.SystemCtx
	}
	auth, err := credentials(req.GetAuth())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if auth != nil {
		sys.DockerAuthConfig = auth
	}
	opts.SystemCtx, opts.Local, opts.PullPolicy = &sys, s.Local, image.PullAlways
	// As CRI-O and containerd: a registry's image, never a path on this
	// machine (oci:, dir:, docker-archive: would open its files for any
	// client of the socket).
	opts.RegistryOnly = true
	var id string
	err = image.Pull(ctx, opts, []string{ref}, func(r ctrtypes.PullRecord) error {
		id = r.ID
		return nil
	})
	if err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.PullImageResponse{ImageRef: id}, nil
}

// credentials turns the CRI's AuthConfig into containers/image's.
func credentials(a *runtimeapi.AuthConfig) (*types.DockerAuthConfig, error) {
	switch {
	case a == nil:
		return nil, nil
	case a.Username != "" || a.Password != "":
		return &types.DockerAuthConfig{Username: a.Username, Password: a.Password}, nil
	case a.Auth != "":
		b, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil {
			return nil, errors.New("auth: not base64")
		}
		user, pass, ok := strings.Cut(string(b), ":")
		if !ok {
			return nil, errors.New("auth: want user:password")
		}
		return &types.DockerAuthConfig{Username: user, Password: pass}, nil
	case a.IdentityToken != "":
		return &types.DockerAuthConfig{IdentityToken: a.IdentityToken}, nil
	}
	return nil, nil
}

// RemoveImage removes an image with all its names; one that is gone is no
// error (the CRI asks it to be idempotent). One a container uses is kept.
func (s *ImageService) RemoveImage(ctx context.Context, req *runtimeapi.RemoveImageRequest) (*runtimeapi.RemoveImageResponse, error) {
	img, err := s.find(req.GetImage())
	if goneAlready(err) {
		return &runtimeapi.RemoveImageResponse{}, nil
	}
	if err != nil {
		return nil, grpcError(err)
	}
	if img == nil {
		return &runtimeapi.RemoveImageResponse{}, nil
	}
	if _, err := s.Store.DeleteImage(img.ID, true); err != nil && !goneAlready(err) {
		if errors.Is(err, storage.ErrImageUsedByContainer) {
			return nil, status.Errorf(codes.FailedPrecondition, "image %s is used by a container", img.ID)
		}
		return nil, grpcError(err)
	}
	return &runtimeapi.RemoveImageResponse{}, nil
}

// goneAlready says whether err means the image was removed meanwhile (by
// a RemoveImage beside this one): no error to the CRI.
func goneAlready(err error) bool {
	return errors.Is(err, storage.ErrImageUnknown) || errors.Is(err, storage.ErrNotAnImage)
}

// ImageFsInfo reports the space and inodes the store's layers use.
func (s *ImageService) ImageFsInfo(ctx context.Context, _ *runtimeapi.ImageFsInfoRequest) (*runtimeapi.ImageFsInfoResponse, error) {
	dir := filepath.Join(s.Store.GraphRoot(), s.Store.GraphDriverName())
	var used, inodes uint64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a layer removed meanwhile: go on
		}
		inodes++
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			used += uint64(info.Size())
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, grpcError(err)
	}
	usage := &runtimeapi.FilesystemUsage{
		Timestamp: nowNanos(), FsId: &runtimeapi.FilesystemIdentifier{Mountpoint: dir},
		UsedBytes: &runtimeapi.UInt64Value{Value: used}, InodesUsed: &runtimeapi.UInt64Value{Value: inodes},
	}
	return &runtimeapi.ImageFsInfoResponse{ImageFilesystems: []*runtimeapi.FilesystemUsage{usage}}, nil
}
