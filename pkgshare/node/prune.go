package node

import (
	"context"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Prune forgets all but the newest keep complete versions of the fetched
// package id (every one when id is zero) and deletes their files
// (library.Library.Prune), and stops serving what it forgot. Versions
// recorded before the library told fetched from published ones are
// sorted first by this node's ID (library.Library.MarkFetched), with
// dryRun too, so that it tells what the prune would do. The daemon runs
// it for packages prune; a followed package can be pruned with it after
// each new version.
func (n *Node) Prune(ctx context.Context, id manifest.PackageID, keep int, dryRun bool) (*library.PruneResult, error) {
	if _, err := n.Library.MarkFetched(ctx, n.Host.ID()); err != nil {
		return nil, err
	}
	res, err := n.Library.Prune(ctx, id, keep, dryRun)
	if err != nil || dryRun {
		return res, err
	}
	for _, p := range res.Packages {
		for _, v := range p.Forgotten {
			n.Seeder.Forget(v.ID)
		}
	}
	return res, nil
}
