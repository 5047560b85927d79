package cmd

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare"
)

func newPackagesInfoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show a package's versions and the files of one version",
		ArgsUsage: "<id|id@N|version-id>",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c, true)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesInfo(ctx, s, t) })
		},
	}
}

type infoFile struct {
	Path     string      `json:"path"`
	Size     int64       `json:"size"`
	Mode     fs.FileMode `json:"mode"`
	Chunks   int         `json:"chunks"`
	DiskPath string      `json:"disk_path"`
}

type infoResult struct {
	pkgshare.PackageInfo
	Shown pkgshare.VersionInfo `json:"shown"`
	Files []infoFile           `json:"files"`
}

func runPackagesInfo(ctx context.Context, s *session, t target) error {
	lib, err := s.library()
	if err != nil {
		return err
	}
	v, err := t.load(ctx, lib)
	if err != nil {
		return err
	}
	p, err := lib.Package(ctx, v.Sealed.PackageID)
	if err != nil {
		return err
	}
	res := infoResult{PackageInfo: *p, Shown: v.VersionInfo, Files: make([]infoFile, len(v.Files))}
	for i, f := range v.Sealed.Files {
		res.Files[i] = infoFile{Path: f.Path, Size: f.Size, Mode: f.Mode, Chunks: len(f.Chunks), DiskPath: v.Files[i].DiskPath}
	}
	return s.out.result(res, func(w io.Writer) error { return printInfo(w, &res) })
}

func printInfo(w io.Writer, res *infoResult) error {
	err := table(w, nil, [][]string{
		{"package", res.ID.String()},
		{"name", res.Name},
		{"publisher", res.Publisher.String()},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nversions:")
	rows := make([][]string, len(res.Versions))
	for i, v := range res.Versions {
		rows[i] = []string{fmt.Sprint(v.Version), v.ID.String(), v.Created.Format("2006-01-02 15:04:05"),
			fmt.Sprint(v.Files), humanBytes(v.Bytes)}
	}
	if err := table(w, []string{"VERSION", "VERSION ID", "CREATED (UTC)", "FILES", "SIZE"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nfiles of version %d (in %s):\n", res.Shown.Version, res.Shown.Root)
	rows = make([][]string, len(res.Files))
	for i, f := range res.Files {
		rows[i] = []string{f.Mode.String(), fmt.Sprint(f.Size), fmt.Sprint(f.Chunks), f.Path}
	}
	return table(w, []string{"MODE", "BYTES", "CHUNKS", "PATH"}, rows)
}
