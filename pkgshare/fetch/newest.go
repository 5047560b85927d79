package fetch

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Newest asks the providers of package id (peers first, then those
// n.Providers finds) for their newest version, as a fetch of the newest
// version resolves it, within ctx, and returns the newest valid one. It
// fetches nothing.
func Newest(ctx context.Context, n Env, id manifest.PackageID, peers []peer.AddrInfo) (*manifest.Sealed, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := Options{Ref: manifest.Ref{ID: id}, Peers: peers}
	if d, ok := ctx.Deadline(); ok {
		opts.ResolveTimeout = max(time.Until(d), time.Millisecond)
	}
	s, _, err := resolve(ctx, n, opts, n.Providers(ctx, id, peers))
	return s, err
}
