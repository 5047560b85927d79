package node

import (
	"context"
	"errors"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Fetch fetches a version of a package (see fetch.Run) with the node's
// host, library and providers, serving what it has to others while it
// runs.
func (n *Node) Fetch(ctx context.Context, opts fetch.Options) (*fetch.Result, error) {
	start := time.Now()
	res, err := fetch.Run(ctx, n.fetchEnv(), opts)
	n.metrics.fetched(start, res, err)
	var np *fetch.NoProviderError
	if errors.As(err, &np) && n.Discovery == nil {
		np.NoRendezvous = true
	}
	return res, err
}

// fetchEnv is what a fetch needs of the node.
func (n *Node) fetchEnv() fetch.Env {
	return fetch.Env{
		Host: n.Host, Library: n.Library, Seeder: n.Seeder, Fetcher: n.Fetcher,
		Notify: n.Xfer.Notify, Providers: n.providers, Announce: n.announceProvider,
		BadPeer: n.lowerScore, Known: n.versionSources, Rank: n.Rank, Log: n.log,
	}
}

// versionSources are the peers a fetch by version ID asks for the
// version: the LAN peers, buddies and recently seen peers.
func (n *Node) versionSources() []peer.AddrInfo {
	lan, _ := n.lan.since(0)
	return append(lan, n.knownPeers()...)
}

// announceProvider registers the node, in the background, as a provider
// of package id.
func (n *Node) announceProvider(id manifest.PackageID) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.AnnouncePackage(n.ctx, id); err != nil {
			n.log.Info("announce provider", "package", id, "err", err)
		}
	}()
}
