package rendezvous

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// Found is a peer the rendezvous nodes returned, merged across them: the
// addresses of the newest verified record, and which rendezvous returned it.
type Found struct {
	peer.AddrInfo
	Rendezvous []peer.ID     // the rendezvous that returned the peer, sorted
	TTL        time.Duration // longest remaining TTL reported, at most MaxTTL
	Seq        uint64        // the record's sequence number
}

// ErrNotFound is returned by Locate when no rendezvous knows the node.
var ErrNotFound = errors.New("rendezvous: node not found")

// Discover asks every rendezvous for the registrations in ns (all
// namespaces when empty), at most limit per rendezvous (the client's peer
// cap when limit <= 0), paging with cookies. Records that do not verify, that
// have too many addresses or that belong to another namespace are dropped.
// It fails only when no rendezvous answered.
func (c *Client) Discover(ctx context.Context, ns string, limit int) ([]Found, error) {
	if limit <= 0 || limit > c.cfg.maxPeers {
		limit = c.cfg.maxPeers
	}
	if err := checkNamespace(ns, true); err != nil {
		return nil, err
	}
	m := newMerger()
	ok, err := c.forEachServer(ctx, func(ctx context.Context, rp peer.ID) error {
		return c.discoverPages(ctx, rp, ns, limit, m)
	})
	if ok == 0 {
		return nil, fmt.Errorf("discover %q: %w", ns, errors.Join(ErrNoRendezvous, err))
	}
	return m.result(limit), nil
}

// discoverPages follows cookies at rp until a page comes back empty, limit
// registrations were seen or a page bound is reached.
func (c *Client) discoverPages(ctx context.Context, rp peer.ID, ns string, limit int, m *merger) error {
	var cookie []byte
	seen := 0
	for page := 0; page < limit/MaxDiscoverLimit+8 && seen < limit; page++ {
		regs, next, err := c.discoverAt(ctx, rp, ns, min(limit-seen, MaxDiscoverLimit), cookie)
		if err != nil {
			return err
		}
		seen += len(regs)
		for _, r := range regs {
			c.add(m, rp, ns, r)
		}
		if len(regs) == 0 || len(next) == 0 || bytes.Equal(next, cookie) {
			return nil
		}
		cookie = next
	}
	return nil
}

// add verifies one registration a rendezvous returned and merges it.
func (c *Client) add(m *merger, rp peer.ID, ns string, r *pb.Message_Register) {
	if ns != "" && r.GetNs() != ns {
		c.cfg.log.Debug("rendezvous: dropped record of another namespace", "rendezvous", rp, "ns", r.GetNs())
		return
	}
	rec, err := verifyRecord(r.GetSignedPeerRecord(), c.cfg.maxAddrs)
	if err != nil {
		c.cfg.log.Debug("rendezvous: dropped record", "rendezvous", rp, "err", err)
		return
	}
	ttl := time.Duration(min(max(r.GetTtl(), 0), int64(MaxTTL/time.Second))) * time.Second
	m.add(rp, rec, ttl)
}

// FindPeers implements discovery.Discoverer: the peers of Discover(ns),
// at most discovery.Limit of them, the host itself excluded.
func (c *Client) FindPeers(ctx context.Context, ns string, opts ...discovery.Option) (<-chan peer.AddrInfo, error) {
	var o discovery.Options
	if err := o.Apply(opts...); err != nil {
		return nil, err
	}
	found, err := c.Discover(ctx, ns, o.Limit)
	if err != nil {
		return nil, err
	}
	out := make(chan peer.AddrInfo, len(found))
	for _, f := range found {
		if f.ID != c.h.ID() {
			out <- f.AddrInfo
		}
	}
	close(out)
	return out, nil
}

// Locate asks every rendezvous where the node id is, through its
// NodeNamespace, and returns its newest addresses and which rendezvous
// answered; ErrNotFound when none knows it.
func (c *Client) Locate(ctx context.Context, id peer.ID) (Found, error) {
	found, err := c.Discover(ctx, NodeNamespace(id), MaxDiscoverLimit)
	if err != nil {
		return Found{}, fmt.Errorf("locate %s: %w", id, err)
	}
	for _, f := range found {
		if f.ID == id {
			return f, nil
		}
	}
	return Found{}, fmt.Errorf("locate %s: %w", id, ErrNotFound)
}

// ListRendezvous returns the rendezvous nodes the configured ones know
// (registered under RendezvousNamespace), followed by configured ones that
// are not registered, with their configured addresses and no Rendezvous.
// With WithLearned, the client remembers them all.
func (c *Client) ListRendezvous(ctx context.Context) ([]Found, error) {
	found, err := c.Discover(ctx, RendezvousNamespace, 0)
	if err != nil {
		return nil, err
	}
	known := map[peer.ID]bool{}
	for _, f := range found {
		known[f.ID] = true
	}
	for _, ai := range c.servers {
		if !known[ai.ID] {
			found = append(found, Found{AddrInfo: ai})
		}
	}
	nodes := make([]peer.AddrInfo, len(found))
	for i, f := range found {
		nodes[i] = f.AddrInfo
	}
	if err := c.Learn(ctx, nodes); err != nil {
		c.cfg.log.Info("rendezvous: remember rendezvous nodes", "err", err)
	}
	return found, nil
}

// merger merges the answers of several rendezvous: per peer, the newest
// record's addresses and every rendezvous that returned the peer.
type merger struct {
	mu    sync.Mutex
	peers map[peer.ID]*Found
	order []peer.ID
}

func newMerger() *merger { return &merger{peers: map[peer.ID]*Found{}} }

func (m *merger) add(rp peer.ID, rec signedRecord, ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.peers[rec.peer]
	if !ok {
		f = &Found{AddrInfo: peer.AddrInfo{ID: rec.peer}}
		m.peers[rec.peer] = f
		m.order = append(m.order, rec.peer)
	}
	if !ok || rec.seq > f.Seq {
		f.Addrs, f.Seq = rec.addrs, rec.seq
	}
	f.TTL = max(f.TTL, ttl)
	for _, r := range f.Rendezvous {
		if r == rp {
			return
		}
	}
	f.Rendezvous = append(f.Rendezvous, rp)
}

// result returns at most limit merged peers, in the order first seen.
func (m *merger) result(limit int) []Found {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Found, 0, min(len(m.order), limit))
	for _, id := range m.order[:min(len(m.order), limit)] {
		f := *m.peers[id]
		sort.Slice(f.Rendezvous, func(i, j int) bool { return f.Rendezvous[i] < f.Rendezvous[j] })
		out = append(out, f)
	}
	return out
}
