package library

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Target names a version: a package (its newest version, or version N) or
// a version by its ID.
type Target struct {
	Ref         manifest.Ref
	VersionID   manifest.VersionID
	ByVersionID bool
}

// ParseTarget reads a package ID, ID@N or version ID.
func ParseTarget(s string) (Target, error) {
	if ref, err := manifest.ParseRef(s); err == nil {
		return Target{Ref: ref}, nil
	}
	if id, err := manifest.ParseVersionID(s); err == nil {
		return Target{VersionID: id, ByVersionID: true}, nil
	}
	return Target{}, fmt.Errorf("%q is not a package ID, ID@VERSION or version ID "+
		"(expected pkg_ and 52 characters, as publish prints, with @N for version N, or ver_ and 52 characters)", s)
}

// String is t as ParseTarget reads it.
func (t Target) String() string {
	if t.ByVersionID {
		return t.VersionID.String()
	}
	return t.Ref.String()
}

// versionOf returns the version t names.
func (l *Library) versionOf(ctx context.Context, t Target) (*Version, error) {
	if t.ByVersionID {
		return l.VersionByID(ctx, t.VersionID)
	}
	return l.Version(ctx, t.Ref)
}

// FileDetail is one file of a version as `p2psb packages info` shows it.
type FileDetail struct {
	Path     string      `json:"path"`
	Size     int64       `json:"size"`
	Mode     fs.FileMode `json:"mode"`
	Chunks   int         `json:"chunks"`
	DiskPath string      `json:"disk_path"`
	Present  bool        `json:"present"` // on disk, verified (see VersionInfo.PresentFiles)
}

// PackageDetail is a package with every version held and the files of
// one of them, the shown version.
type PackageDetail struct {
	PackageInfo
	Shown VersionInfo  `json:"shown"`
	Files []FileDetail `json:"files"`
}

// Detail returns the package of the version t names, with that version's
// files.
func (l *Library) Detail(ctx context.Context, t Target) (*PackageDetail, error) {
	v, err := l.versionOf(ctx, t)
	if err != nil {
		return nil, err
	}
	p, err := l.Package(ctx, v.Sealed.PackageID)
	if err != nil {
		return nil, err
	}
	d := &PackageDetail{PackageInfo: *p, Shown: v.VersionInfo, Files: make([]FileDetail, len(v.Sealed.Files))}
	for i, f := range v.Sealed.Files {
		d.Files[i] = FileDetail{Path: f.Path, Size: f.Size, Mode: f.Mode, Chunks: len(f.Chunks), DiskPath: v.Files[i].DiskPath,
			Present: v.Files[i].Present}
	}
	return d, nil
}
