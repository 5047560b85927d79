package pkgshare

import (
	"context"
	"io/fs"
)

// FileDetail is one file of a version as `p2psb packages info` shows it.
type FileDetail struct {
	Path     string      `json:"path"`
	Size     int64       `json:"size"`
	Mode     fs.FileMode `json:"mode"`
	Chunks   int         `json:"chunks"`
	DiskPath string      `json:"disk_path"`
}

// PackageDetail is a package with every version held and the files of
// one of them, the shown version.
type PackageDetail struct {
	PackageInfo
	Shown VersionInfo  `json:"shown"`
	Files []FileDetail `json:"files"`
}

// Detail returns the package of v with v's files.
func (l *Library) Detail(ctx context.Context, v *Version) (*PackageDetail, error) {
	p, err := l.Package(ctx, v.Sealed.PackageID)
	if err != nil {
		return nil, err
	}
	d := &PackageDetail{PackageInfo: *p, Shown: v.VersionInfo, Files: make([]FileDetail, len(v.Sealed.Files))}
	for i, f := range v.Sealed.Files {
		d.Files[i] = FileDetail{Path: f.Path, Size: f.Size, Mode: f.Mode, Chunks: len(f.Chunks), DiskPath: v.Files[i].DiskPath}
	}
	return d, nil
}
