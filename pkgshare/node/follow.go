package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// startFollow starts the follow topics' gossip and the follower service
// when the options ask for them. A federating rendezvous node leaves the
// host's gossipsub to the backbone and runs checks only.
func (n *Node) startFollow(opts Options) error {
	if opts.Follow == nil {
		return nil
	}
	store, err := follow.NewStore(opts.DB)
	if err != nil {
		return err
	}
	if !(opts.Rendezvous && (opts.Federate || len(opts.Backbone) > 0)) {
		n.Gossip, err = follow.NewGossip(n.Host, follow.GossipOptions{Held: n.heldVersion, Deliver: n.deliverAnnouncement, Log: n.log})
		if err != nil {
			return err
		}
	}
	svc, err := follow.New(follow.Env{Store: store, Gossip: n.Gossip, Newest: n.Newest, Fetch: n.Fetch,
		Learn: n.LearnRendezvous, Fetched: n.keepNewest, Log: n.log}, *opts.Follow)
	if err != nil {
		return err
	}
	n.follower.Store(svc)
	return nil
}

// keepNewest applies a follow's --keep after each version it fetched
// (Prune), and says what went.
func (n *Node) keepNewest(ctx context.Context, f follow.Follow, _ *fetch.Result) (string, error) {
	if f.Keep <= 0 {
		return "", nil
	}
	res, err := n.Prune(ctx, f.Package, f.Keep, false)
	if err != nil {
		return "", fmt.Errorf("keep the newest %d versions: %w", f.Keep, err)
	}
	var forgot []string
	for _, p := range res.Packages {
		for _, v := range p.Forgotten {
			forgot = append(forgot, fmt.Sprint(v.Version))
		}
	}
	if len(forgot) == 0 {
		return "", nil
	}
	return fmt.Sprintf("kept the newest %d versions: forgot version %s, deleted %d files (%d bytes)",
		f.Keep, strings.Join(forgot, ", "), len(res.Files), res.Bytes), nil
}

// Follow is the follower service, nil unless Options.Follow.
func (n *Node) Follow() *follow.Service { return n.follower.Load() }

// deliverAnnouncement hands a version announced on a follow topic to the service.
func (n *Node) deliverAnnouncement(s *manifest.Sealed, from peer.ID) {
	if svc := n.follower.Load(); svc != nil {
		svc.Announced(s, from)
	}
}

// heldVersion is the newest complete version of package id in the
// library (0: none).
func (n *Node) heldVersion(id manifest.PackageID) uint64 {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	p, err := n.Library.Package(ctx, id)
	if err != nil {
		return 0
	}
	var held uint64
	for _, v := range p.Versions {
		if v.Complete {
			held = max(held, v.Version)
		}
	}
	return held
}

// Newest asks the providers of package id (peers first) for their newest
// version, as a fetch of the newest version resolves it.
func (n *Node) Newest(ctx context.Context, id manifest.PackageID, peers []peer.AddrInfo) (*manifest.Sealed, error) {
	s, err := fetch.Newest(ctx, n.fetchEnv(), id, peers)
	if err != nil {
		return nil, fmt.Errorf("newest version of %s: %w", id, err)
	}
	return s, nil
}

// AnnounceVersion tells the followers of a package, on its topic, of the
// version id the node just published. Without follow gossip it does
// nothing: followers find the version at their next check.
func (n *Node) AnnounceVersion(ctx context.Context, id manifest.VersionID) error {
	if n.Gossip == nil {
		return nil
	}
	v, err := n.Library.VersionByID(ctx, id)
	if err != nil {
		return err
	}
	return n.Gossip.Publish(ctx, v.Sealed)
}

// joinTopic joins the follow topic of a package the node provides, so
// that announcements reach its followers through it.
func (n *Node) joinTopic(id manifest.PackageID) {
	if n.Gossip == nil {
		return
	}
	if err := n.Gossip.Join(id); err != nil {
		n.log.Info("join follow topic", "package", id, "err", err)
	}
}

// leaveTopic leaves the follow topic of a package no longer held, unless
// it is followed.
func (n *Node) leaveTopic(id manifest.PackageID) {
	svc := n.follower.Load()
	if n.Gossip == nil || svc == nil {
		return
	}
	if _, err := svc.Get(n.ctx, id); err == nil {
		return
	}
	n.Gossip.Leave(id)
}

// closeFollow stops the follower service (its fetches end) and the
// gossip.
func (n *Node) closeFollow() error {
	var err error
	if svc := n.follower.Load(); svc != nil {
		err = svc.Close()
	}
	if n.Gossip != nil {
		err = errors.Join(err, n.Gossip.Close())
	}
	return err
}

// followStatus lists the follows, and counts the announcements received;
// a follow that failed to list is a warning in the log.
func (n *Node) followStatus() ([]follow.Follow, *follow.GossipStats) {
	out := []follow.Follow{}
	var gs *follow.GossipStats
	if n.Gossip != nil {
		st := n.Gossip.Stats()
		gs = &st
	}
	svc := n.follower.Load()
	if svc == nil {
		return out, gs
	}
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	fs, err := svc.List(ctx)
	if err != nil {
		n.log.Warn("list follows", "err", err)
		return out, gs
	}
	return fs, gs
}
