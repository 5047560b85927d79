package rendezvous

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
)

// Client registers its host with, and discovers peers through, a set of
// rendezvous nodes. It implements discovery.Discovery: Advertise registers
// with every rendezvous and keeps the registration alive until Unregister or
// Close; FindPeers asks every rendezvous, pages with cookies, verifies every
// record and merges the answers.
type Client struct {
	h       host.Host
	cfg     config
	servers []peer.AddrInfo

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	ads    map[string]*advert
	closed bool

	learned  *learnedStore // nil unless WithLearned
	downAt   time.Time     // when no configured rendezvous last answered (under mu)
	recMu    sync.Mutex
	rec      []byte // the host's signed record, reused while its addresses stay
	recAddrs string
}

var _ discovery.Discovery = (*Client)(nil)

// ErrNoRendezvous is returned when no rendezvous is configured or none of
// them answered.
var ErrNoRendezvous = errors.New("rendezvous: no rendezvous answered")

// NewClient returns a client of the given rendezvous nodes (the host itself
// is skipped) and starts connecting to all of them; the connections are
// protected from the connection manager's pruning.
func NewClient(h host.Host, rendezvousPeers []peer.AddrInfo, opts ...Option) (*Client, error) {
	cfg, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{h: h, cfg: cfg, ctx: ctx, cancel: cancel, ads: map[string]*advert{}}
	if cfg.learnedDB != nil {
		if c.learned, err = openLearned(ctx, cfg.learnedDB, cfg.maxAddrs, cfg.clock.Now); err != nil {
			cancel()
			return nil, err
		}
	}
	seen := map[peer.ID]bool{h.ID(): true}
	for _, ai := range rendezvousPeers {
		if seen[ai.ID] {
			continue
		}
		seen[ai.ID] = true
		c.servers = append(c.servers, ai)
		h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
		h.ConnManager().Protect(ai.ID, "rendezvous")
	}
	for _, ai := range c.servers {
		c.start(func() { c.connect(ai) })
	}
	return c, nil
}

func (c *Client) connect(ai peer.AddrInfo) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.streamTimeout)
	defer cancel()
	if err := c.h.Connect(ctx, ai); err != nil {
		c.cfg.log.Debug("rendezvous: connect", "rendezvous", ai.ID, "err", err)
	}
}

// Servers returns the configured rendezvous nodes.
func (c *Client) Servers() []peer.AddrInfo {
	return append([]peer.AddrInfo(nil), c.servers...)
}

func (c *Client) start(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// Close stops re-registering and waits for the client's goroutines. The
// registrations stay on the servers until their TTL runs out (Unregister
// removes them). It is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	for _, ai := range c.servers {
		c.h.ConnManager().Unprotect(ai.ID, "rendezvous")
	}
	return nil
}

// forEachServer runs f for every configured rendezvous concurrently and
// returns the errors of those that failed, joined, and how many succeeded.
// With learned rendezvous nodes (WithLearned), it runs f on those too when
// no configured one succeeded, and alongside the configured ones for a
// while after that happened (so a dead rendezvous's timeout is not waited
// out before every request).
func (c *Client) forEachServer(ctx context.Context, f func(ctx context.Context, rp peer.ID) error) (int, error) {
	if len(c.servers) == 0 {
		return 0, ErrNoRendezvous
	}
	if c.learned == nil {
		return runOn(ctx, c.servers, f)
	}
	if c.configuredDown() {
		return runOn(ctx, append(c.Servers(), c.fallbacks(ctx)...), f)
	}
	ok, err := runOn(ctx, c.servers, f)
	if ok > 0 || ctx.Err() != nil {
		return ok, err
	}
	c.markConfiguredDown()
	fb := c.fallbacks(ctx)
	if len(fb) == 0 {
		return 0, err
	}
	c.cfg.log.Info("rendezvous: no configured rendezvous answered; asking learned ones", "learned", len(fb), "err", err)
	ok, ferr := runOn(ctx, fb, f)
	return ok, errors.Join(err, ferr)
}

// runOn runs f for every server concurrently and returns the errors of
// those that failed, joined, and how many succeeded.
func runOn(ctx context.Context, servers []peer.AddrInfo, f func(ctx context.Context, rp peer.ID) error) (int, error) {
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, ai := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx, ai.ID); err != nil {
				errs[i] = fmt.Errorf("rendezvous %s: %w", ai.ID, err)
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	return ok, errors.Join(errs...)
}

// signedRecord returns the host's signed peer record for its current
// addresses. The same envelope is reused while they do not change, so a
// server verifies it once however many namespaces the host registers in.
func (c *Client) signedRecord() ([]byte, error) {
	info := peer.AddrInfo{ID: c.h.ID(), Addrs: c.h.Addrs()}
	key := fmt.Sprint(info.Addrs)
	c.recMu.Lock()
	defer c.recMu.Unlock()
	if c.rec != nil && c.recAddrs == key {
		return c.rec, nil
	}
	rec, err := SignRecord(c.h.Peerstore().PrivKey(c.h.ID()), info, 0, c.cfg.maxAddrs)
	if err != nil {
		return nil, err
	}
	c.rec, c.recAddrs = rec, key
	return rec, nil
}
