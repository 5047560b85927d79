package xfer

import (
	"cmp"
	"slices"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Ranking providers. Job.Rank scores each provider (the node's peerstore
// score, with buddies above everyone). A provider of negative rank is
// held in reserve: the fetch asks it only when no other provider in use
// holds a missing chunk. Providers waiting for a free place (past
// WithMaxPeers) are taken best first.

// rankState is the fetch's view of its providers' ranks; under fetch.mu.
type rankState struct {
	ranks   map[peer.ID]float64
	reserve []peer.AddrInfo // providers of negative rank, not yet started
}

// rankOf returns id's rank, asking Job.Rank once. Call with fetch.mu held.
func (fe *fetch) rankOf(id peer.ID) float64 {
	if fe.job.Rank == nil {
		return 0
	}
	if r, ok := fe.rank.ranks[id]; ok {
		return r
	}
	if fe.rank.ranks == nil {
		fe.rank.ranks = make(map[peer.ID]float64)
	}
	r := fe.job.Rank(id)
	fe.rank.ranks[id] = r
	return r
}

// holdBack keeps ai in reserve when its rank is negative, and reports
// whether it did. Call with fetch.mu held.
func (fe *fetch) holdBack(ai peer.AddrInfo) bool {
	if fe.rankOf(ai.ID) >= 0 {
		return false
	}
	if !slices.ContainsFunc(fe.rank.reserve, func(r peer.AddrInfo) bool { return r.ID == ai.ID }) {
		fe.rank.reserve = append(fe.rank.reserve, ai)
		fe.cfg.log.Debug("xfer: holding a low-ranked provider in reserve", "peer", ai.ID, "rank", fe.rankOf(ai.ID))
	}
	return true
}

// queue adds ai to the backlog, best rank first. Call with fetch.mu held.
func (fe *fetch) queue(ai peer.AddrInfo) {
	if slices.ContainsFunc(fe.backlog, func(b peer.AddrInfo) bool { return b.ID == ai.ID }) {
		return
	}
	fe.backlog = append(fe.backlog, ai)
	slices.SortStableFunc(fe.backlog, func(a, b peer.AddrInfo) int { return cmp.Compare(fe.rankOf(b.ID), fe.rankOf(a.ID)) })
}

// takeReserve returns the providers held in reserve, best first, and
// empties it. Call with fetch.mu held.
func (fe *fetch) takeReserve() []peer.AddrInfo {
	out := fe.rank.reserve
	fe.rank.reserve = nil
	slices.SortStableFunc(out, func(a, b peer.AddrInfo) int { return cmp.Compare(fe.rankOf(b.ID), fe.rankOf(a.ID)) })
	return out
}
