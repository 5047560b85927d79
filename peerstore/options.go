package peerstore

import (
	"time"

	"github.com/benbjohnson/clock"
)

// Options configures a Store. The zero value of every field except
// MaxAddrsPerPeer means "use the default" (see DefaultOptions).
type Options struct {
	// CacheSize is how many peers' full records (addresses, keys,
	// protocols, metadata, retained addresses) the Store keeps in memory.
	// Peers beyond it are read back from the database on demand; records
	// with writes not yet committed are never dropped from memory, so the
	// cache can briefly exceed CacheSize under heavy writes. Default 16384.
	CacheSize int

	// GCInterval is how often expired addresses are removed from memory and
	// from the database. Each round handles at most GCBatch peers per
	// transaction. Expired addresses are never returned even before they
	// are collected. Default 1 minute.
	GCInterval time.Duration

	// GCBatch bounds how many peers one garbage-collection step prunes
	// while holding the store's lock. Default 512.
	GCBatch int

	// FlushInterval is the longest a write waits in memory before the
	// writer goroutine commits it (together with every other pending write)
	// in one transaction. Flush commits immediately. Default 100 ms.
	FlushInterval time.Duration

	// MaxPeers bounds the number of peers stored. When it is exceeded the
	// least recently updated peers that are not buddies are deleted with
	// everything known about them, including retained addresses.
	// Default 50000.
	MaxPeers int

	// MaxAddrsPerPeer bounds the addresses (other than those of live
	// connections, whose TTL is ConnectedAddrTTL or longer) stored for one
	// peer; adding one more evicts the address closest to expiry.
	// 0 means unlimited. DefaultOptions sets 64.
	MaxAddrsPerPeer int

	// MaxProtocols bounds the protocols stored for one peer; a call that
	// would exceed it fails with "too many protocols". Default 1024.
	MaxProtocols int

	// MaxRetainedAddrs bounds the "last addresses that worked" kept per
	// peer; the oldest is dropped first. Default 8.
	MaxRetainedAddrs int

	// Clock is the source of time for TTLs, expiry and "last seen"
	// (tests pass a *clock.Mock). The flush and GC tickers always run on
	// real time. nil means the real clock.
	Clock clock.Clock
}

// DefaultOptions returns the options used for every zero field.
func DefaultOptions() Options {
	return Options{
		CacheSize:        16384,
		GCInterval:       time.Minute,
		GCBatch:          512,
		FlushInterval:    100 * time.Millisecond,
		MaxPeers:         50000,
		MaxAddrsPerPeer:  64,
		MaxProtocols:     1024,
		MaxRetainedAddrs: 8,
		Clock:            clock.New(),
	}
}

// withDefaults returns o with every zero field (but MaxAddrsPerPeer) set to
// its default. Negative values are treated as zero.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	pickInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pickDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pickInt(&o.CacheSize, d.CacheSize)
	pickInt(&o.GCBatch, d.GCBatch)
	pickInt(&o.MaxPeers, d.MaxPeers)
	pickInt(&o.MaxProtocols, d.MaxProtocols)
	pickInt(&o.MaxRetainedAddrs, d.MaxRetainedAddrs)
	pickDur(&o.GCInterval, d.GCInterval)
	pickDur(&o.FlushInterval, d.FlushInterval)
	if o.MaxAddrsPerPeer < 0 {
		o.MaxAddrsPerPeer = 0
	}
	if o.Clock == nil {
		o.Clock = d.Clock
	}
	return o
}
