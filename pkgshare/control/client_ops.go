package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Status asks the daemon for its node's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var st Status
	if err := c.call(ctx, http.MethodGet, "/v1/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Publish has the daemon publish req.Path in place and announce it;
// progress (may be nil) follows the hashing.
func (c *Client) Publish(ctx context.Context, req PublishRequest, progress library.Progress) (*library.PublishResult, error) {
	var res library.PublishResult
	var total, done int64
	err := c.stream(ctx, "/v1/publish", req, func(raw json.RawMessage) error {
		var p PublishProgress
		if err := json.Unmarshal(raw, &p); err != nil || progress == nil {
			return err
		}
		if p.Total != total {
			total = p.Total
			progress.SetTotal(total)
		}
		if p.Done > done {
			progress.Add(p.Done - done)
			done = p.Done
		}
		return nil
	}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Fetch has the daemon fetch a package, and seed it afterwards; progress
// (may be nil) follows the fetch. Cancelling ctx cancels the fetch.
func (c *Client) Fetch(ctx context.Context, req FetchRequest, progress func(fetch.Progress)) (*fetch.Result, error) {
	var res fetch.Result
	err := c.stream(ctx, "/v1/fetch", req, func(raw json.RawMessage) error {
		var p fetch.Progress
		if err := json.Unmarshal(raw, &p); err != nil || progress == nil {
			return err
		}
		progress(p)
		return nil
	}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Packages lists the daemon's library.
func (c *Client) Packages(ctx context.Context) ([]library.PackageInfo, error) {
	var out []library.PackageInfo
	return out, c.call(ctx, http.MethodGet, "/v1/packages", nil, &out)
}

// PackageDetail returns the package that arg names (ID, ID@N or version
// ID; see library.ParseTarget) with the files of that version.
func (c *Client) PackageDetail(ctx context.Context, arg string) (*library.PackageDetail, error) {
	var out library.PackageDetail
	if err := c.call(ctx, http.MethodGet, "/v1/packages/"+pathArg(arg), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemovePackage has the daemon forget a package (or one version), stop
// serving it and, when no version is left, unregister it.
func (c *Client) RemovePackage(ctx context.Context, ref manifest.Ref) ([]library.VersionInfo, error) {
	var out []library.VersionInfo
	return out, c.call(ctx, http.MethodDelete, "/v1/packages/"+pathArg(ref.String()), nil, &out)
}

// Prune has the daemon prune fetched versions (library.Library.Prune) and
// stop serving those it forgets.
func (c *Client) Prune(ctx context.Context, req PruneRequest) (*library.PruneResult, error) {
	var out library.PruneResult
	if err := c.call(ctx, http.MethodPost, "/v1/packages/prune", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Buddies returns the daemon's buddy list.
func (c *Client) Buddies(ctx context.Context) ([]peerstore.Buddy, error) {
	var wire []Buddy
	if err := c.call(ctx, http.MethodGet, "/v1/buddies", nil, &wire); err != nil {
		return nil, err
	}
	out := make([]peerstore.Buddy, len(wire))
	for i, b := range wire {
		var err error
		if out[i], err = fromBuddy(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddBuddy adds a buddy (or changes its alias) in the daemon, which keeps
// it connected from now on, and records addrs as its addresses.
func (c *Client) AddBuddy(ctx context.Context, id peer.ID, alias string, addrs ...multiaddr.Multiaddr) (peerstore.Buddy, error) {
	req := BuddyRequest{ID: id, Alias: alias}
	for _, a := range addrs {
		req.Addrs = append(req.Addrs, a.String())
	}
	return c.buddyCall(ctx, http.MethodPost, "/v1/buddies", req)
}

// RemoveBuddy removes the buddy with this node ID or alias in the daemon.
func (c *Client) RemoveBuddy(ctx context.Context, idOrAlias string) (peerstore.Buddy, error) {
	return c.buddyCall(ctx, http.MethodDelete, "/v1/buddies/"+pathArg(idOrAlias), nil)
}

func (c *Client) buddyCall(ctx context.Context, method, path string, body any) (peerstore.Buddy, error) {
	var b Buddy
	if err := c.call(ctx, method, path, body, &b); err != nil {
		return peerstore.Buddy{}, err
	}
	return fromBuddy(b)
}

// Peers lists the peers the daemon's peerstore knows.
func (c *Client) Peers(ctx context.Context) ([]ScoredPeer, error) {
	var wire []Peer
	if err := c.call(ctx, http.MethodGet, "/v1/peers", nil, &wire); err != nil {
		return nil, err
	}
	out := make([]ScoredPeer, len(wire))
	for i, p := range wire {
		var err error
		if out[i].PeerEntry, err = fromPeer(p); err != nil {
			return nil, err
		}
		out[i].Score = p.Score
	}
	return out, nil
}

// ExportPeers writes the daemon's peerstore export document to w.
func (c *Client) ExportPeers(ctx context.Context, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "/v1/peers/export", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("export from the daemon: %w", err)
	}
	return nil
}

// ImportPeers has the daemon merge the export document read from r into
// its peerstore.
func (c *Client) ImportPeers(ctx context.Context, r io.Reader) (peerstore.ImportStats, error) {
	var st peerstore.ImportStats
	return st, c.call(ctx, http.MethodPost, "/v1/peers/import", r, &st)
}
