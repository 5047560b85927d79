package xfer

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// Seeding is the server's rule for a version it holds whole while several
// peers fetch it at once (BitTorrent's super-seeding, in spirit): its
// upload is then what every fetcher waits on, so it sends each chunk to
// one fetcher, and leaves the other fetchers to get it from that one. A
// request for a chunk handed to another peer is answered STATUS_ELSEWHERE,
// without a body, while
//
//   - its first copy is under way (for less than handoutStale), or went
//     out in full less than spreadTime ago (time for its receiver to pass
//     it on), and
//   - another peer has a chunk stream for the version open here, and
//   - the asking client said it understands the answer (elsewhere_ok).
//
// Every deferral ends, so a fetcher whose only source is this server gets
// its chunks in the end (the fetcher asks again after a back-off). The
// bound is per chunk, not "until every chunk was sent once": a chunk that
// every fetcher already holds (copied from a local older version) is never
// asked for, and fetchers that do not know each other would otherwise
// wait on each other for ever. A first copy whose read or write fails is
// free to be handed to someone else, and so is every chunk
// whose first receiver has no chunk stream left here (it finished or
// left, and may not pass the chunk on). The state lives in
// memory while chunk streams of the version are open.

const (
	// handoutStale bounds how long the first copy of a chunk may be under
	// way before other peers are served the chunk too.
	handoutStale = 10 * time.Second
	// spreadTime is how long after its first copy went out a chunk is
	// left to its receiver to pass on.
	spreadTime = 2 * time.Second
)

// seeding is the Server's per-version seeding state.
type seeding struct {
	mu     sync.Mutex
	swarms map[manifest.VersionID]*seedSwarm
	// Tests only: onDefer, if set, is called after every deferral; spread,
	// if set, replaces spreadTime.
	onDefer func()
	spread  time.Duration
}

// seedSwarm is what a server knows of one version's fetchers.
type seedSwarm struct {
	id       manifest.VersionID
	handouts map[manifest.ChunkHash]*handout // the version's distinct chunks
	spread   time.Duration                   // spreadTime
	streams  map[peer.ID]int                 // open chunk streams per peer
	deferred int                             // requests answered ELSEWHERE
	copies   int                             // bodies sent in full
}

// handout records who a chunk was handed to first, when, and when that
// copy was sent in full.
type handout struct {
	first peer.ID // "" while nobody holds the first copy
	at    time.Time
	done  time.Time // zero until the first copy is sent in full
}

// seedStream is one chunk stream's view of its swarm.
type seedStream struct {
	sw          *seedSwarm
	from        peer.ID
	elsewhereOK bool
}

// serveChunkStream serves one GetChunks stream, as a member of its
// version's swarm when the server holds the whole version (see Seeding).
func (s *Server) serveChunkStream(ctx context.Context, c *wire, q *pb.GetChunks) error {
	id, err := versionID(q.VersionId)
	if err != nil {
		return err
	}
	st := s.seed.join(ctx, s.store, id, c.s.Conn().RemotePeer(), q.ElsewhereOk)
	if st != nil {
		defer func() {
			if ended, sent, deferred := s.seed.leave(st); ended && deferred > 0 {
				s.cfg.log.Debug("xfer: seeding swarm ended", "version", id, "chunks", len(st.sw.handouts),
					"sent", sent, "deferred", deferred)
			}
		}()
	}
	return s.serveChunks(ctx, c, id, st)
}

// handOut applies the seeding rule to a request for chunk h on the chunk
// stream st (nil: not seeding). It reports whether to answer
// STATUS_ELSEWHERE; if not, the answer must be settled once its body is
// sent or will not be.
func (s *Server) handOut(st *seedStream, h manifest.ChunkHash) (deferred bool) {
	if st == nil {
		return false
	}
	s.seed.mu.Lock()
	deferred = st.handOut(h, time.Now())
	hook := s.seed.onDefer
	s.seed.mu.Unlock()
	if deferred && hook != nil {
		hook()
	}
	return deferred
}

// settle records how the answer to a request for chunk h on st (not
// deferred by handOut) ended: its body sent in full, or not sent (the
// read or the write failed).
func (sd *seeding) settle(st *seedStream, h manifest.ChunkHash, sent bool) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if sent {
		st.sent(h, time.Now())
	} else {
		st.unsent(h)
	}
}

// handOut decides on a request for chunk h at time now, and records the
// handout unless it defers. Call with seeding.mu held.
func (st *seedStream) handOut(h manifest.ChunkHash, now time.Time) (deferred bool) {
	sw := st.sw
	ho := sw.handouts[h]
	if ho == nil {
		return false // not in the version: the store answers
	}
	switch {
	case ho.first == "":
		ho.first, ho.at = st.from, now
	case ho.first != st.from && st.elsewhereOK && len(sw.streams) > 1 && sw.spreading(ho, now):
		sw.deferred++
		return true
	}
	return false
}

// spreading reports whether chunk ho is still left to its first receiver
// at time now.
func (sw *seedSwarm) spreading(ho *handout, now time.Time) bool {
	if ho.done.IsZero() {
		return now.Sub(ho.at) < handoutStale
	}
	return now.Sub(ho.done) < sw.spread
}

// sent counts a copy of chunk h sent in full on this stream at time now.
// Call with seeding.mu held.
func (st *seedStream) sent(h manifest.ChunkHash, now time.Time) {
	ho := st.sw.handouts[h]
	if ho == nil {
		return
	}
	st.sw.copies++
	if ho.done.IsZero() {
		ho.done = now
	}
}

// unsent drops chunk h's first copy on this stream, if it was handed one
// and has not sent it, so that the chunk may be handed to another peer.
// Call with seeding.mu held.
func (st *seedStream) unsent(h manifest.ChunkHash) {
	if ho := st.sw.handouts[h]; ho != nil && ho.done.IsZero() && ho.first == st.from {
		ho.first = ""
	}
}

// join adds a chunk stream from peer from to version id's swarm, creating
// the swarm's state for its first stream. It returns nil when the server does
// not hold the whole version, or cannot look it up (the stream's requests
// then fail on their own).
func (sd *seeding) join(ctx context.Context, store Store, id manifest.VersionID, from peer.ID, elsewhereOK bool) *seedStream {
	if st := sd.add(id, nil, from, elsewhereOK); st != nil {
		return st
	}
	fresh, err := newSeedSwarm(ctx, store, id)
	if err != nil || fresh == nil {
		return nil
	}
	fresh.spread = cmp.Or(sd.spread, spreadTime)
	return sd.add(id, fresh, from, elsewhereOK)
}

// add registers a stream with id's swarm, installing fresh when there is
// none; with neither it returns nil.
func (sd *seeding) add(id manifest.VersionID, fresh *seedSwarm, from peer.ID, elsewhereOK bool) *seedStream {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sw := sd.swarms[id]
	if sw == nil {
		if fresh == nil {
			return nil
		}
		if sd.swarms == nil {
			sd.swarms = make(map[manifest.VersionID]*seedSwarm)
		}
		sw = fresh
		sd.swarms[id] = sw
	}
	sw.streams[from]++
	return &seedStream{sw: sw, from: from, elsewhereOK: elsewhereOK}
}

// leave removes a chunk stream; the swarm's state goes with its last
// one, and leave then returns what the swarm counted.
func (sd *seeding) leave(st *seedStream) (ended bool, sent, deferred int) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sw := st.sw
	if sw.streams[st.from]--; sw.streams[st.from] == 0 {
		delete(sw.streams, st.from)
		sw.release(st.from)
	}
	if len(sw.streams) > 0 || sd.swarms[sw.id] != sw {
		return false, 0, 0
	}
	delete(sd.swarms, sw.id)
	return true, sw.copies, sw.deferred
}

// release hands the chunks peer from got first out anew, once from has
// no stream left: a fetcher that finished or left may not pass them on,
// and the others must not wait out spreadTime for it. Call with
// seeding.mu held.
func (sw *seedSwarm) release(from peer.ID) {
	for _, ho := range sw.handouts {
		if ho.first == from {
			ho.first, ho.done = "", time.Time{}
		}
	}
}

// newSeedSwarm reads version id's chunks; it returns nil when the store
// does not hold them all (a node still fetching rations nothing).
func newSeedSwarm(ctx context.Context, store Store, id manifest.VersionID) (*seedSwarm, error) {
	have, err := store.Have(ctx, id)
	if err != nil || !have.Full() {
		return nil, err
	}
	sealed, err := store.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	sw := &seedSwarm{id: id, handouts: make(map[manifest.ChunkHash]*handout), streams: make(map[peer.ID]int)}
	for _, f := range sealed.Files {
		for _, c := range f.Chunks {
			if sw.handouts[c.Hash] == nil {
				sw.handouts[c.Hash] = &handout{}
			}
		}
	}
	if have.Len() != len(sw.handouts) {
		return nil, nil
	}
	return sw, nil
}
