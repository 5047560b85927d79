package rendezvous

import (
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Option configures a Server or a Client; each ignores the fields it does not
// use. Options are applied in order and may return an error for a bad value.
type Option func(*config) error

type config struct {
	clock         clock.Clock
	log           *slog.Logger
	streamTimeout time.Duration
	maxAddrs      int

	// server
	minTTL           time.Duration
	maxTTL           time.Duration
	maxPerPeer       int
	maxRegistrations int
	gcInterval       time.Duration
	selfRegister     bool
	backbone         []peer.AddrInfo
	federate         bool
	maxMembers       int

	// client
	maxPeers  int
	learnedDB *sql.DB
}

func defaultConfig() config {
	return config{
		clock:            clock.New(),
		log:              slog.Default(),
		streamTimeout:    10 * time.Second,
		maxAddrs:         32,
		minTTL:           2 * time.Minute,
		maxTTL:           MaxTTL,
		maxPerPeer:       1000,
		maxRegistrations: DefaultMaxRegistrations,
		gcInterval:       time.Minute,
		maxMembers:       DefaultMaxBackboneMembers,
		maxPeers:         10 * MaxDiscoverLimit,
	}
}

func applyOptions(opts []Option) (config, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return config{}, err
		}
	}
	return cfg, nil
}

var errBadOption = errors.New("rendezvous: bad option")

// WithClock sets the clock used for TTLs, expiry, garbage collection and
// re-registration (a clock.Mock in tests). Stream deadlines use real time.
func WithClock(c clock.Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return errBadOption
		}
		cfg.clock = c
		return nil
	}
}

// WithLogger sets the logger (slog.Default otherwise).
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return errBadOption
		}
		cfg.log = l
		return nil
	}
}

// WithStreamTimeout bounds how long a server waits for each request on a
// stream, and a client for each answer (10 s by default).
func WithStreamTimeout(d time.Duration) Option {
	return positive(d, func(cfg *config) { cfg.streamTimeout = d })
}

// WithMaxAddrs bounds the addresses of one peer record: a server refuses a
// record with more, a client drops the records a server hands it with more
// (32 by default).
func WithMaxAddrs(n int) Option {
	return positive(n, func(cfg *config) { cfg.maxAddrs = n })
}

// WithTTLBounds sets the TTLs a server admits (2 min to MaxTTL by default);
// requests outside get E_INVALID_TTL.
func WithTTLBounds(minTTL, maxTTL time.Duration) Option {
	return func(cfg *config) error {
		if minTTL <= 0 || maxTTL < minTTL || maxTTL > MaxTTL {
			return errBadOption
		}
		cfg.minTTL, cfg.maxTTL = minTTL, maxTTL
		return nil
	}
}

// WithMaxRegistrationsPerPeer bounds the live registrations one peer holds on
// a server (1000 by default); more get E_NOT_AUTHORIZED.
func WithMaxRegistrationsPerPeer(n int) Option {
	return positive(n, func(cfg *config) { cfg.maxPerPeer = n })
}

// DefaultMaxRegistrations is how many registrations a server holds at most
// unless WithMaxRegistrations says otherwise: about 40 MB of SQLite, room
// for a thousand peers providing a hundred packages each.
const DefaultMaxRegistrations = 100_000

// WithMaxRegistrations bounds the registrations a server holds, all peers
// together, live or expired but not yet collected (DefaultMaxRegistrations
// by default). When it is full, a REGISTER that would add one gets
// E_UNAVAILABLE, while refreshing a held one still succeeds. Tombstones of
// unregistrations (kept for backbone catch-up) are bounded by the same
// number, the oldest making way.
func WithMaxRegistrations(n int) Option {
	return positive(n, func(cfg *config) { cfg.maxRegistrations = n })
}

// WithGCInterval sets how often a server deletes expired registrations
// (every minute by default). Expired ones are never returned meanwhile.
func WithGCInterval(d time.Duration) Option {
	return positive(d, func(cfg *config) { cfg.gcInterval = d })
}

// WithSelfRegistration makes a server register itself, with its host's
// addresses, under RendezvousNamespace, so that clients that know one
// rendezvous learn the others (through federation).
func WithSelfRegistration() Option {
	return func(cfg *config) error {
		cfg.selfRegister = true
		return nil
	}
}

// WithBackbone makes a server federate with other rendezvous nodes: it joins
// the backbone GossipSub topic, connects to the given peers, shares every
// registration it accepts and catches up from them at start. Through them it
// learns of every other member, and it keeps in touch with all of them, so
// the given peers are needed only to join the first time. An empty list
// starts a backbone that others join, or rejoins the one remembered in the
// database.
func WithBackbone(peers ...peer.AddrInfo) Option {
	return func(cfg *config) error {
		cfg.federate = true
		cfg.backbone = append(cfg.backbone, peers...)
		return nil
	}
}

// WithMaxBackboneMembers bounds how many other backbone members a server
// remembers (DefaultMaxBackboneMembers by default). When the list is full,
// the member heard of longest ago makes way for one heard of more recently;
// the peers given to WithBackbone are dialled whether remembered or not.
func WithMaxBackboneMembers(n int) Option {
	return positive(n, func(cfg *config) { cfg.maxMembers = n })
}

// WithMaxPeers bounds how many peers one FindPeers call yields, whatever the
// servers return (10,000 by default).
func WithMaxPeers(n int) Option {
	return positive(n, func(cfg *config) { cfg.maxPeers = n })
}

// WithLearned makes a client remember in db (opened by the caller, see
// sqlitedb.DSN) the rendezvous nodes it hears of, through ListRendezvous
// or Learn, and ask them when none of the configured ones answers.
func WithLearned(db *sql.DB) Option {
	return func(cfg *config) error {
		if db == nil {
			return errBadOption
		}
		cfg.learnedDB = db
		return nil
	}
}

func positive[T int | time.Duration](v T, set func(*config)) Option {
	return func(cfg *config) error {
		if v <= 0 {
			return errBadOption
		}
		set(cfg)
		return nil
	}
}
