package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
)

func newPackagesInfoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show a package's versions and the files of one version",
		ArgsUsage: "<id|id@N|version-id>",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesInfo(ctx, s, t) })
		},
	}
}

// runPackagesInfo asks the running daemon when there is one, else reads
// the library.
func runPackagesInfo(ctx context.Context, s *session, t library.Target) error {
	res, err := viaDaemon(s,
		func(d *control.Client) (*library.PackageDetail, error) { return d.PackageDetail(ctx, t.String()) },
		func(lib *library.Library) (*library.PackageDetail, error) { return lib.Detail(ctx, t) })
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error { return printInfo(w, res) })
}

func printInfo(w io.Writer, res *library.PackageDetail) error {
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
	fmt.Fprintf(w, "\nfiles of version %d (in %s): %d of %d files present\n", res.Shown.Version, res.Shown.Root,
		res.Shown.PresentFiles, len(res.Files))
	rows = make([][]string, len(res.Files))
	for i, f := range res.Files {
		present := "yes"
		if !f.Present {
			present = "no"
		}
		rows[i] = []string{f.Mode.String(), fmt.Sprint(f.Size), fmt.Sprint(f.Chunks), present, f.Path}
	}
	return table(w, []string{"MODE", "BYTES", "CHUNKS", "PRESENT", "PATH"}, rows)
}
