package node

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	"github.com/libp2p/go-libp2p/p2p/host/autorelay"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/catalog"
	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/transport"
	"github.com/p2psb/p2psb/pkgshare/xfer"
	"github.com/p2psb/p2psb/rendezvous"
)

// Options configure Start.
type Options struct {
	Key             crypto.PrivKey
	DB              *sql.DB  // the node's database: peerstore, library, rendezvous tables
	Listen          []string // multiaddrs to listen on; none: dial only
	RendezvousPeers []string // rendezvous nodes to use, as multiaddrs ending in /p2p/<id>
	Rendezvous      bool     // also act as a rendezvous node and circuit relay
	Backbone        []string // other rendezvous nodes to federate with (with Rendezvous)
	Federate        bool     // join the rendezvous backbone even with no Backbone peers, so others can join
	// MaxRegistrations bounds the registrations a rendezvous node holds,
	// all peers together (with Rendezvous); 0: rendezvous.DefaultMaxRegistrations.
	MaxRegistrations int
	// RelayDataLimit (with Rendezvous) lets the circuit relay carry data
	// for peers that cannot connect directly: each relayed connection may
	// move this many bytes each way (rendezvous.RelayResources). 0: the
	// relay carries only what sets up direct connections.
	RelayDataLimit int64

	Redial      int            // how many recently working peers to redial at start
	MaxUpload   int            // bytes per second served to peers; 0: unlimited
	MaxDownload int            // bytes per second fetched; 0: unlimited
	KeepBuddies *buddy.Options // non-nil: keep the buddies connected (see pkgshare/buddy)
	// AnnounceTTL is the TTL Announce asks for (the rendezvous client
	// re-registers before it runs out); 0 asks for the rendezvous default
	// (2 h). A short-lived node asks for a short one, so that if it is
	// killed its registrations lapse soon.
	AnnounceTTL time.Duration
	// MDNS announces the node on the local network and finds the p2psb
	// nodes there with mDNS, with no rendezvous (see mdns.go).
	MDNS bool
	// Peerstore sets the peerstore's options; nil: peerstore.DefaultOptions.
	Peerstore *peerstore.Options
	// DHT is the node's part in p2psb's Kademlia DHT (see dht.go); a
	// rendezvous node is always a server.
	DHT DHTMode
	// Follow, if set, runs the follower service (pkgshare/follow) with
	// these options, and the follow topics' gossip.
	Follow *follow.Options
	// Home is the node's home directory, named to another node that
	// wants one of its fixed listen ports (see ports.go).
	Home string
	Log  *slog.Logger
}

// Node is a running p2psb node: a libp2p host on the node key and the SQLite
// peerstore, preferring TCP with TLS (AES-GCM is hardware accelerated here)
// and keeping QUIC and Noise for peers that need them, with a connection
// manager that protects buddies and rendezvous nodes.
type Node struct {
	Host      host.Host
	Peers     *peerstore.Store
	Discovery *rendezvous.Client // nil when no rendezvous is configured
	Server    *rendezvous.Server // nil unless the node is a rendezvous
	Library   *library.Library
	Seeder    *seeder.Seeder
	Xfer      *xfer.Server
	Fetcher   *xfer.Fetcher
	Catalog   *catalog.Service
	Buddies   *buddy.Keeper  // nil unless Options.KeepBuddies
	DHT       *dht.IpfsDHT   // nil with DHTOff
	Gossip    *follow.Gossip // nil unless Options.Follow (and not federating)

	follower atomic.Pointer[follow.Service] // follow.go

	ports       portClaims // released when the host has closed
	log         *slog.Logger
	started     time.Time
	metrics     *metrics // metrics.go
	mu          sync.Mutex
	announced   map[string]bool // namespaces registered through Announce
	announceTTL time.Duration
	observed    observedAddrs
	reach       reachability
	stopReach   func()
	mdns        mdns.Service // nil unless Options.MDNS
	lan         lanPeers
	provided    provided
	stopTrack   func()
	stopObs     func()
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	closeOnce   sync.Once
	closeErr    error
}

// ConfigError is a bad setting (an unparsable address, say).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string      { return e.Msg }
func (e *ConfigError) InvalidInput() bool { return true }

// Start starts a node. The caller closes it.
func Start(opts Options) (n *Node, err error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	rzPeers, err := parseAddrInfos("rendezvous peer", opts.RendezvousPeers)
	if err != nil {
		return nil, err
	}
	backbone, err := parseAddrInfos("backbone peer", opts.Backbone)
	if err != nil {
		return nil, err
	}
	listen, err := parseMultiaddrs("listen address", opts.Listen)
	if err != nil {
		return nil, err
	}
	ports, err := claimPorts(listen, opts.Home)
	if err != nil {
		return nil, err
	}
	pso := peerstore.DefaultOptions()
	if opts.Peerstore != nil {
		pso = *opts.Peerstore
	}
	ps, err := peerstore.New(opts.DB, pso)
	if err != nil {
		ports.release()
		return nil, fmt.Errorf("open peerstore: %w", err)
	}
	defer func() {
		if err != nil {
			ps.Close()
			ports.release()
		}
	}()
	hostOpts, err := hostOptions(opts, ps, rzPeers)
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(hostOpts...)
	if err != nil {
		return nil, fmt.Errorf("start libp2p host: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = &Node{Host: h, Peers: ps, ports: ports, log: opts.Log, ctx: ctx, cancel: cancel, started: time.Now(),
		announced: map[string]bool{}, announceTTL: opts.AnnounceTTL, metrics: newMetrics()}
	n.stopTrack = ps.TrackHost(h)
	if n.stopObs, err = n.observed.track(h, ctx.Done()); err != nil {
		n.Close()
		return nil, fmt.Errorf("follow identify: %w", err)
	}
	if n.stopReach, err = n.reach.track(h, rzPeers, usesRelays(opts, rzPeers), ctx.Done()); err != nil {
		n.Close()
		return nil, fmt.Errorf("follow reachability: %w", err)
	}
	if err := ps.ProtectBuddies(h.ConnManager()); err != nil {
		n.Close()
		return nil, fmt.Errorf("protect buddies: %w", err)
	}
	if err := n.startRendezvous(opts, rzPeers, backbone); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.startTransfer(opts); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.startMDNS(opts); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.startDHT(opts); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.followAddrs(); err != nil {
		n.Close()
		return nil, fmt.Errorf("follow addresses: %w", err)
	}
	if err := n.startFollow(opts); err != nil {
		n.Close()
		return nil, fmt.Errorf("start follower: %w", err)
	}
	n.redial(opts.Redial)
	n.watchRendezvous()
	n.keepBuddies(opts)
	return n, nil
}

func hostOptions(opts Options, ps *peerstore.Store, rzPeers []peer.AddrInfo) ([]libp2p.Option, error) {
	cm, err := connmgr.NewConnManager(100, 400, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, fmt.Errorf("connection manager: %w", err)
	}
	o := []libp2p.Option{
		libp2p.Identity(opts.Key),
		libp2p.Peerstore(ps),
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Transport(transport.NewBatchedTCP),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.ConnectionManager(cm),
		libp2p.DialRanker(transport.TCPFirst),
		libp2p.UserAgent("p2psb/0.1"),
	}
	if len(opts.Listen) == 0 {
		o = append(o, libp2p.NoListenAddrs)
	} else {
		addrs, err := parseMultiaddrs("listen address", opts.Listen)
		if err != nil {
			return nil, err
		}
		o = append(o, libp2p.ListenAddrs(addrs...))
	}
	if opts.Rendezvous {
		ro, err := rendezvous.NodeOptions(rendezvous.DefaultConnsPerIP, opts.RelayDataLimit)
		if err != nil {
			return nil, err
		}
		return append(o, ro...), nil
	}
	o = append(o, libp2p.EnableHolePunching(), libp2p.EnableAutoNATv2())
	if usesRelays(opts, rzPeers) {
		rm, err := relayResourceManager(rzPeers)
		if err != nil {
			return nil, err
		}
		o = append(o, libp2p.ResourceManager(rm), libp2p.EnableAutoRelayWithStaticRelays(rzPeers,
			autorelay.WithBootDelay(0),
			autorelay.WithBackoff(relayBackoff),
			autorelay.WithMinInterval(relayBackoff)))
	}
	return o, nil
}

// relayBackoff is how long AutoRelay waits before asking a rendezvous that
// refused a reservation (or went away) again; libp2p's default is an hour,
// far too long for a rendezvous that restarts.
const relayBackoff = 10 * time.Second

// usesRelays says whether a node reserves relay slots at its rendezvous
// nodes: an ordinary node that listens (a node that only dials is never
// dialled, so it needs no reservation) and has rendezvous nodes.
func usesRelays(opts Options, rzPeers []peer.AddrInfo) bool {
	return !opts.Rendezvous && len(opts.Listen) > 0 && len(rzPeers) > 0
}

// startRendezvous starts the rendezvous server (for a rendezvous node) and
// the client of the configured rendezvous nodes.
func (n *Node) startRendezvous(opts Options, rzPeers, backbone []peer.AddrInfo) error {
	if opts.Rendezvous {
		sopts := []rendezvous.Option{rendezvous.WithLogger(n.log), rendezvous.WithSelfRegistration()}
		if opts.MaxRegistrations > 0 {
			sopts = append(sopts, rendezvous.WithMaxRegistrations(opts.MaxRegistrations))
		}
		if opts.Federate || len(backbone) > 0 {
			sopts = append(sopts, rendezvous.WithBackbone(backbone...))
		}
		s, err := rendezvous.NewServer(n.Host, opts.DB, sopts...)
		if err != nil {
			return fmt.Errorf("start rendezvous server: %w", err)
		}
		n.Server = s
	}
	if len(rzPeers) == 0 {
		return nil
	}
	c, err := rendezvous.NewClient(n.Host, rzPeers, rendezvous.WithLogger(n.log), rendezvous.WithLearned(opts.DB))
	if err != nil {
		return fmt.Errorf("start rendezvous client: %w", err)
	}
	n.Discovery = c
	return nil
}

// startTransfer opens the library and starts serving it and fetching.
func (n *Node) startTransfer(opts Options) error {
	lib, err := library.New(opts.DB)
	if err != nil {
		return err
	}
	n.Library, n.Seeder = lib, seeder.New(lib, n.log)
	n.Seeder.OnBroken(n.versionBroken)
	sopts := []xfer.Option{xfer.WithLogger(n.log)}
	if opts.MaxUpload > 0 {
		sopts = append(sopts, xfer.WithUploadLimit(opts.MaxUpload))
	}
	if n.Xfer, err = xfer.NewServer(n.Host, n.Seeder, sopts...); err != nil {
		return fmt.Errorf("start transfer server: %w", err)
	}
	fopts := []xfer.Option{xfer.WithLogger(n.log)}
	if opts.MaxDownload > 0 {
		fopts = append(fopts, xfer.WithDownloadLimit(opts.MaxDownload))
	}
	if n.Fetcher, err = xfer.NewFetcher(n.Host, fopts...); err != nil {
		return fmt.Errorf("start fetcher: %w", err)
	}
	if n.Catalog, err = catalog.New(n.Host, lib, catalog.WithLogger(n.log)); err != nil {
		return fmt.Errorf("start catalog: %w", err)
	}
	return nil
}

// redial connects, in the background, to up to limit peers whose addresses
// worked recently, so a restarted node rejoins its peers without any
// rendezvous.
func (n *Node) redial(limit int) {
	if limit <= 0 {
		return
	}
	recent, err := n.Peers.RecentPeers(limit)
	if err != nil {
		n.log.Warn("list recent peers", "err", err)
		return
	}
	for _, rp := range recent {
		ai := rp.AddrInfo()
		if ai.ID == n.Host.ID() || len(ai.Addrs) == 0 {
			continue
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
			defer cancel()
			if err := n.Host.Connect(ctx, ai); err != nil {
				n.log.Debug("redial recent peer", "peer", ai.ID, "err", err)
			}
		}()
	}
}

// Addrs returns the node's listen addresses, each ending in /p2p/<id>.
func (n *Node) Addrs() []ma.Multiaddr {
	full, err := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.Host.ID(), Addrs: n.Host.Addrs()})
	if err != nil {
		return nil
	}
	return full
}

// Close stops the node: it unregisters everything it announced from the
// rendezvous nodes, closes the rendezvous server and client, the transfer
// server, the host, and flushes the peerstore. It is idempotent.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		followErr := n.closeFollow() // its fetches end before the node's goroutines are awaited
		n.cancel()
		n.wg.Wait()
		n.unannounceAll()
		errs := []error{followErr}
		if n.mdns != nil {
			errs = append(errs, n.mdns.Close())
		}
		if n.Buddies != nil {
			errs = append(errs, n.Buddies.Close())
		}
		if n.DHT != nil {
			errs = append(errs, n.DHT.Close())
		}
		if n.Discovery != nil {
			errs = append(errs, n.Discovery.Close())
		}
		if n.Server != nil {
			errs = append(errs, n.Server.Close())
		}
		if n.Xfer != nil {
			errs = append(errs, n.Xfer.Close())
		}
		if n.Seeder != nil {
			errs = append(errs, n.Seeder.Close())
		}
		if n.Catalog != nil {
			errs = append(errs, n.Catalog.Close())
		}
		n.stopTrack()
		if n.stopObs != nil {
			n.stopObs()
		}
		if n.stopReach != nil {
			n.stopReach()
		}
		errs = append(errs, n.Host.Close(), n.Peers.Close())
		n.ports.release()
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

func parseMultiaddrs(what string, ss []string) ([]ma.Multiaddr, error) {
	out := make([]ma.Multiaddr, 0, len(ss))
	for _, s := range ss {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("%s %q: %v (expected a multiaddr such as /ip4/0.0.0.0/tcp/4747)", what, s, err)}
		}
		out = append(out, a)
	}
	return out, nil
}

func parseAddrInfos(what string, ss []string) ([]peer.AddrInfo, error) {
	addrs, err := parseMultiaddrs(what, ss)
	if err != nil {
		return nil, err
	}
	infos, err := peer.AddrInfosFromP2pAddrs(addrs...)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("%s: %v (a %s must end in /p2p/<node-id>)", what, err, what)}
	}
	return infos, nil
}

// keepBuddies starts the buddy keeper when the options ask for one.
func (n *Node) keepBuddies(opts Options) {
	if opts.KeepBuddies == nil {
		return
	}
	bo := *opts.KeepBuddies
	if bo.Log == nil {
		bo.Log = n.log
	}
	var loc buddy.Locator
	if n.Discovery != nil {
		loc = n.Discovery
	}
	n.Buddies = buddy.New(n.Host, n.Peers, loc, bo)
}
