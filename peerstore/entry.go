package peerstore

import (
	"container/list"
	"math"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// never is the expiry of addresses whose TTL is too long to represent.
var never = time.Unix(0, math.MaxInt64)

// expiryOf returns when an address added at now with ttl expires.
func expiryOf(now time.Time, ttl time.Duration) time.Time {
	if ttl >= time.Duration(math.MaxInt64-now.UnixNano()) {
		return never
	}
	return now.Add(ttl)
}

// isConnectedTTL reports whether ttl marks the address of a live connection
// (or a permanent one), which per-peer limits never evict.
func isConnectedTTL(ttl time.Duration) bool { return ttl >= pstore.ConnectedAddrTTL }

// book names a part of a peer's record, to rewrite only what changed.
type book uint8

const (
	bookRow book = 1 << iota // the peerstore_peers row itself
	bookAddrs
	bookProtos
	bookMeta
	bookRetained
	bookAll = bookRow | bookAddrs | bookProtos | bookMeta | bookRetained
)

type addrEntry struct {
	addr   ma.Multiaddr
	ttl    time.Duration
	expiry time.Time
}

type metaValue struct {
	val any
	enc []byte // gob encoding, as stored
}

type retainedAddr struct {
	addr ma.Multiaddr
	at   time.Time
}

// entry is everything known about one peer. It is owned by Store.mu.
type entry struct {
	id       peer.ID
	addrs    map[string]*addrEntry // by string(addr.Bytes())
	pub      ic.PubKey
	priv     ic.PrivKey
	protos   map[protocol.ID]struct{}
	meta     map[string]metaValue
	rec      *record.Envelope
	recSeq   uint64
	retained []retainedAddr // newest first
	updated  time.Time
	lastSeen time.Time

	dirty    book // parts changed since the last snapshot taken by the writer
	ver      uint64
	savedVer uint64        // ver of the last committed snapshot
	elem     *list.Element // position in Store.lru; nil when out of it
}

func newEntry(id peer.ID) *entry {
	return &entry{
		id:     id,
		addrs:  make(map[string]*addrEntry),
		protos: make(map[protocol.ID]struct{}),
		meta:   make(map[string]metaValue),
	}
}

// empty reports whether nothing worth storing is left.
func (e *entry) empty() bool {
	return len(e.addrs) == 0 && e.pub == nil && e.priv == nil && len(e.protos) == 0 &&
		len(e.meta) == 0 && e.rec == nil && len(e.retained) == 0
}

// clean reports whether the database holds this entry's current state.
func (e *entry) clean() bool { return e.ver == e.savedVer }

// validAddrs returns the addresses not expired at now.
func (e *entry) validAddrs(now time.Time) []ma.Multiaddr {
	out := make([]ma.Multiaddr, 0, len(e.addrs))
	for _, a := range e.addrs {
		if now.Before(a.expiry) {
			out = append(out, a.addr)
		}
	}
	return out
}

// summary is what the Store keeps in memory for every peer, cached or not.
type summary struct {
	e          *entry    // nil when the full record is not in memory
	updated    time.Time // last write, for MaxPeers eviction
	addrsUntil time.Time // latest address expiry (zero: no addresses)
	nextExpiry time.Time // earliest address expiry (zero: no addresses)
	hasKeys    bool
	retainedAt time.Time // newest retained address (zero: none)
}

// summarize refreshes s from its entry.
func (s *summary) summarize(e *entry) {
	s.updated = e.updated
	s.addrsUntil, s.nextExpiry = time.Time{}, time.Time{}
	for _, a := range e.addrs {
		if a.expiry.After(s.addrsUntil) {
			s.addrsUntil = a.expiry
		}
		if s.nextExpiry.IsZero() || a.expiry.Before(s.nextExpiry) {
			s.nextExpiry = a.expiry
		}
	}
	s.hasKeys = e.pub != nil || e.priv != nil
	s.retainedAt = time.Time{}
	if len(e.retained) > 0 {
		s.retainedAt = e.retained[0].at
	}
}
