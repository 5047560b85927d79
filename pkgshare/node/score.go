package node

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
)

// A peer's score is what the peerstore remembers of its behaviour: 0 for
// a peer that never misbehaved, badPeerScore lower for every chunk that
// failed verification. It decays towards 0 with a half-life of
// ScoreHalfLife from its last change. A peer whose score is below
// SkipScore is not asked for packages (a peer that sent one bad chunk is
// skipped for one half-life, two for two); a peer of negative score is
// asked only when no other provider can serve (xfer.Job.Rank). Buddies
// rank above every other peer.

const (
	// ScoreKey is the peerstore metadata key of a peer's score (an int),
	// ScoreAtKey that of when it last changed (Unix seconds, an int64).
	ScoreKey   = "p2psb/score"
	ScoreAtKey = "p2psb/score-at"
	// ScoreHalfLife is how long a score takes to decay by half.
	ScoreHalfLife = 10 * time.Minute
	// SkipScore is the score below which a peer is not asked.
	SkipScore = -50
	// badPeerScore is what a peer loses for sending a chunk that fails
	// verification.
	badPeerScore = -100
	// buddyRank lifts a buddy above every other peer in a fetch.
	buddyRank = 1000
)

// PeerScore returns p's score in the peerstore at time now, decayed.
func PeerScore(ps pstore.PeerMetadata, p peer.ID, now time.Time) float64 {
	raw, at := storedScore(ps, p)
	if raw == 0 || at.IsZero() {
		return float64(raw)
	}
	age := max(now.Sub(at), 0)
	return float64(raw) * math.Exp2(-age.Seconds()/ScoreHalfLife.Seconds())
}

func storedScore(ps pstore.PeerMetadata, p peer.ID) (int, time.Time) {
	var raw int
	if v, err := ps.Get(p, ScoreKey); err == nil {
		raw, _ = v.(int)
	}
	var at time.Time
	if v, err := ps.Get(p, ScoreAtKey); err == nil {
		if s, ok := v.(int64); ok {
			at = time.Unix(s, 0)
		}
	}
	return raw, at
}

// lowerScore records in the peerstore that p sent a bad chunk.
func (n *Node) lowerScore(p peer.ID, err error) {
	n.log.Warn("dropped a peer that sent a bad chunk", "peer", p, "err", err)
	n.metrics.badChunk(p)
	now := time.Now()
	score := int(math.Round(PeerScore(n.Peers, p, now))) + badPeerScore
	if err := n.Peers.Put(p, ScoreKey, score); err != nil {
		n.log.Info("record peer score", "peer", p, "err", err)
		return
	}
	if err := n.Peers.Put(p, ScoreAtKey, now.Unix()); err != nil {
		n.log.Info("record peer score", "peer", p, "err", err)
	}
}

// Rank is a peer's standing as a source (xfer.Job.Rank): its score, and
// buddyRank more for a buddy.
func (n *Node) Rank(p peer.ID) float64 {
	r := PeerScore(n.Peers, p, time.Now())
	if n.Peers.IsBuddy(p) {
		r += buddyRank
	}
	return r
}

// skipped reports whether p's score keeps it out of fetches for now.
func (n *Node) skipped(p peer.ID) bool {
	if s := PeerScore(n.Peers, p, time.Now()); s < SkipScore {
		n.log.Debug("not asking a peer with a low score", "peer", p, "score", s)
		return true
	}
	return false
}

// byRank orders peers best first (buddies, then by score), keeping the
// order of equals.
func (n *Node) byRank(ais []peer.AddrInfo) []peer.AddrInfo {
	ranks := make(map[peer.ID]float64, len(ais))
	for _, ai := range ais {
		ranks[ai.ID] = n.Rank(ai.ID)
	}
	out := slices.Clone(ais)
	slices.SortStableFunc(out, func(a, b peer.AddrInfo) int { return cmp.Compare(ranks[b.ID], ranks[a.ID]) })
	return out
}
