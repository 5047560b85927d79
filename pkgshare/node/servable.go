package node

import (
	"context"
	"time"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// A node announces a package while it can serve one of its versions
// whole: a complete version whose files all still have the size and
// modification time recorded for them, and none of which was found not to
// match its manifest. When the seeder finds a file changed behind its back
// (versionBroken), or at start (SeedLibrary), a package with no such
// version left is not announced.

// versionBroken runs when the seeder stops serving a file of v: if no
// version of v's package serves whole any more, the node unregisters the
// package from the rendezvous nodes.
func (n *Node) versionBroken(v *library.Version) {
	id := v.Sealed.PackageID
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if ok, err := n.servable(n.ctx, id); err != nil || ok {
			return
		}
		n.log.Warn("no version of the package serves whole any more; no longer announcing it (p2psb packages verify, then publish again)",
			"package", id, "name", v.Sealed.Name)
		ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
		defer cancel()
		if err := n.UnannouncePackage(ctx, id); err != nil {
			n.log.Info("unregister a package no longer served", "package", id, "err", err)
		}
	}()
}

// servable reports whether the library holds a version of package id
// that serves whole: complete, or held in part (its present files).
func (n *Node) servable(ctx context.Context, id manifest.PackageID) (bool, error) {
	pkg, err := n.Library.Package(ctx, id)
	if err != nil {
		return false, err
	}
	for _, vi := range pkg.Versions {
		if !vi.Complete && !vi.InPart() {
			continue
		}
		v, err := n.Library.VersionByID(ctx, vi.ID)
		if err != nil {
			return false, err
		}
		if allUnchanged(v.Files) {
			return true, nil
		}
	}
	return false, nil
}

func allUnchanged(files []library.StoredFile) bool {
	for _, f := range files {
		if f.Present && !f.Unchanged() {
			return false
		}
	}
	return true
}
