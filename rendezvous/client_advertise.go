package rendezvous

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/peer"
)

// advert is a namespace the client keeps registered.
type advert struct {
	ttl    time.Duration
	cancel context.CancelFunc
}

// Advertise registers the host, with its current addresses, in ns at every
// configured rendezvous and returns the TTL granted (the shortest granted,
// at most the one asked with discovery.TTL, DefaultTTL otherwise). It
// succeeds when at least one rendezvous accepted. Until Unregister or Close,
// the client registers again before that TTL runs out.
func (c *Client) Advertise(ctx context.Context, ns string, opts ...discovery.Option) (time.Duration, error) {
	var o discovery.Options
	if err := o.Apply(opts...); err != nil {
		return 0, err
	}
	ttl := o.Ttl
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	ttl = min(ttl, MaxTTL)
	if err := checkNamespace(ns, false); err != nil {
		return 0, err
	}
	granted, err := c.registerAll(ctx, ns, ttl)
	if err != nil {
		return 0, err
	}
	c.keep(ns, ttl, granted)
	return granted, nil
}

// registerAll registers in ns everywhere and returns the shortest granted TTL.
func (c *Client) registerAll(ctx context.Context, ns string, ttl time.Duration) (time.Duration, error) {
	env, err := c.signedRecord()
	if err != nil {
		return 0, err
	}
	granted := make(chan time.Duration, len(c.servers)+maxFallback)
	ok, err := c.forEachServer(ctx, func(ctx context.Context, rp peer.ID) error {
		g, err := c.registerAt(ctx, rp, ns, env, ttl)
		if err == nil {
			granted <- g
		}
		return err
	})
	close(granted)
	if ok == 0 {
		return 0, fmt.Errorf("advertise %q: %w", ns, err)
	}
	if err != nil {
		c.cfg.log.Debug("rendezvous: some rendezvous refused", "ns", ns, "accepted", ok, "err", err)
	}
	shortest := ttl
	for g := range granted {
		shortest = min(shortest, g)
	}
	return shortest, nil
}

// keep starts (or updates) the loop that registers ns again at three
// quarters of the granted TTL, sooner after a failure.
func (c *Client) keep(ns string, ttl, granted time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if ad, ok := c.ads[ns]; ok {
		ad.ttl = ttl
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	ad := &advert{ttl: ttl, cancel: cancel}
	c.ads[ns] = ad
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.refreshLoop(ctx, ns, ad, granted)
	}()
}

func (c *Client) refreshLoop(ctx context.Context, ns string, ad *advert, granted time.Duration) {
	wait := granted * 3 / 4
	for {
		t := c.cfg.clock.Timer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c.mu.Lock()
		ttl := ad.ttl
		c.mu.Unlock()
		g, err := c.registerAll(ctx, ns, ttl)
		if err != nil {
			c.cfg.log.Info("rendezvous: re-register failed", "ns", ns, "err", err)
			wait = min(wait/4+time.Second, time.Minute)
			continue
		}
		wait = g * 3 / 4
	}
}

// Unregister stops keeping ns registered and removes the host's
// registration in ns from every rendezvous.
func (c *Client) Unregister(ctx context.Context, ns string) error {
	c.mu.Lock()
	if ad, ok := c.ads[ns]; ok {
		ad.cancel()
		delete(c.ads, ns)
	}
	c.mu.Unlock()
	ok, err := c.forEachServer(ctx, func(ctx context.Context, rp peer.ID) error {
		return c.unregisterAt(ctx, rp, ns)
	})
	if ok == 0 {
		return fmt.Errorf("unregister %q: %w", ns, err)
	}
	return nil
}
