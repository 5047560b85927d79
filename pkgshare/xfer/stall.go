package xfer

import (
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// A fetch has a source while one of its peers holds a chunk still
// missing, or has not yet said what it holds, or a provider waits in the
// backlog. Without a source the fetch is looking for peers (Progress.
// Looking); once it has had no source and verified no chunk for
// Job.StallTimeout, it ends with a *StallError.

// maxReason bounds the text kept of why one peer failed.
const maxReason = 240

// PeerAttempt is a provider a fetch used, and why it stopped being a
// source.
type PeerAttempt struct {
	Peer   peer.ID `json:"peer"`
	Reason string  `json:"reason"`
}

// StallError ends a fetch that made no progress and had no source for
// its stall timeout. It matches ErrStalled.
type StallError struct {
	Version manifest.VersionID
	Missing int // chunks missing
	Chunks  int // distinct chunks of the version
	After   time.Duration
	Tried   []PeerAttempt // every provider the fetch used, in the order it first did
}

func (e *StallError) Error() string {
	return fmt.Sprintf("fetch %s: %v for %v (%d of %d chunks missing); %s",
		e.Version, ErrStalled, e.After, e.Missing, e.Chunks, triedText(e.Tried))
}

// triedText says which peers a fetch tried and why each failed.
func triedText(tried []PeerAttempt) string {
	if len(tried) == 0 {
		return "no provider was found"
	}
	var b strings.Builder
	b.WriteString("peers tried: ")
	for i, a := range tried {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s)", a.Peer, a.Reason)
	}
	return b.String()
}

func (e *StallError) Is(target error) bool { return target == ErrStalled }

// stallState is what a fetch knows for its stall timeout; under fetch.mu.
type stallState struct {
	live    time.Time // the last time the fetch had a source or verified a chunk
	bytes   int64     // stats.Bytes then
	looking bool      // no source at the last check
	tried   map[peer.ID]string
	order   []peer.ID
}

// noteStart records that the fetch started using p. Call with fetch.mu held.
func (st *stallState) noteStart(id peer.ID) {
	if st.tried == nil {
		st.tried = make(map[peer.ID]string)
	}
	if _, ok := st.tried[id]; !ok {
		st.order = append(st.order, id)
		st.tried[id] = "still connected, holds none of the missing chunks"
	}
}

// noteFailed records why p stopped being a source. Call with fetch.mu held.
func (st *stallState) noteFailed(id peer.ID, reason string) {
	st.noteStart(id)
	reason = strings.Join(strings.Fields(reason), " ")
	if len(reason) > maxReason {
		reason = reason[:maxReason] + "…"
	}
	st.tried[id] = reason
}

// peerEnded records why p's goroutine ended (err nil: it had nothing left
// to offer, or the fetch ended).
func (fe *fetch) peerEnded(p *peerState, err error) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	switch {
	case fe.remaining == 0 || fe.ctx.Err() != nil || p.bad:
	case err != nil:
		fe.stall.noteFailed(p.id, err.Error())
	default:
		fe.stall.noteFailed(p.id, "holds none of the missing chunks")
	}
}

// hasSource reports whether a peer of the fetch may still supply a
// missing chunk. Call with fetch.mu held.
func (fe *fetch) hasSource() bool {
	if len(fe.backlog) > 0 {
		return true
	}
	for _, p := range fe.peers {
		if p.bad {
			continue
		}
		if p.have == nil {
			return true
		}
		for i := range fe.chunks {
			if !fe.st[i].done && p.have.Has(i) {
				return true
			}
		}
	}
	return false
}

// checkStall runs every progress interval: it notes whether the fetch is
// looking for peers, and fails it once it has been for the stall timeout.
func (fe *fetch) checkStall(now time.Time) {
	fe.mu.Lock()
	st := &fe.stall
	if st.live.IsZero() {
		st.live = fe.start
	}
	src := fe.remaining == 0 || fe.hasSource()
	var reserve []peer.AddrInfo
	if !src && len(fe.rank.reserve) > 0 {
		// The providers held back are all that is left: they count as
		// sources from now on.
		reserve, src = fe.takeReserve(), true
	}
	if src || fe.stats.Bytes != st.bytes {
		st.live, st.bytes = now, fe.stats.Bytes
	}
	began := !src && !st.looking
	st.looking = !src
	var err error
	if !src && fe.job.StallTimeout > 0 && now.Sub(st.live) >= fe.job.StallTimeout {
		err = fe.stallErr()
	}
	fe.mu.Unlock()
	for _, ai := range reserve {
		fe.startProvider(ai)
	}
	if began {
		fe.cfg.log.Info("xfer: no peer holds the missing chunks; looking for peers", "version", fe.v.ID)
	}
	if err != nil {
		fe.fail(err)
	}
}

// stallErr describes the stall. Call with fetch.mu held.
func (fe *fetch) stallErr() *StallError {
	return &StallError{Version: fe.v.ID, Missing: fe.remaining, Chunks: len(fe.chunks), After: fe.job.StallTimeout,
		Tried: fe.stall.attempts()}
}

// attempts lists the peers tried, in order. Call with fetch.mu held.
func (st *stallState) attempts() []PeerAttempt {
	out := make([]PeerAttempt, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, PeerAttempt{Peer: id, Reason: st.tried[id]})
	}
	return out
}
