package buddy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"
)

// dialDue starts a dial of every disconnected buddy whose time has come and
// returns how long until the next one is due.
func (k *Keeper) dialDue(now time.Time) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	wait := k.opts.MaxBackoff
	for id, b := range k.buddies {
		if b.dialing || id == k.h.ID() {
			continue
		}
		if k.h.Network().Connectedness(id) == network.Connected {
			b.failures, b.lastErr = 0, nil
			continue
		}
		if d := b.next.Sub(now); d > 0 {
			wait = min(wait, d)
			continue
		}
		b.dialing = true
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			k.dialed(id, k.dial(id))
		}()
	}
	return wait
}

// dialed records the outcome of a dial and wakes the loop.
func (k *Keeper) dialed(id peer.ID, err error) {
	k.mu.Lock()
	if b, ok := k.buddies[id]; ok {
		b.dialing = false
		if err == nil {
			b.failures, b.lastErr = 0, nil
		} else {
			b.failures++
			b.lastErr = err
			b.next = time.Now().Add(backoff(b.failures, k.opts.MinBackoff, k.opts.MaxBackoff))
		}
	}
	k.mu.Unlock()
	if err == nil {
		k.opts.Log.Info("buddy connected", "peer", id)
	} else if k.ctx.Err() == nil {
		k.opts.Log.Debug("dial buddy", "peer", id, "err", err)
	}
	k.wake()
}

// backoff is the wait after the given number of consecutive failures.
func backoff(failures int, least, most time.Duration) time.Duration {
	d := least
	for i := 1; i < failures && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// dial connects to a buddy through the addresses known for it and, when
// they fail and a Locator is set, through the ones it returns.
func (k *Keeper) dial(id peer.ID) error {
	ctx := network.WithForceDirectDial(k.ctx, "keep buddy connected") // our own backoff applies
	err := k.connect(ctx, k.known(id))
	if err == nil || k.loc == nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, k.opts.DialTimeout)
	f, lerr := k.loc.Locate(lctx, id)
	cancel()
	if lerr != nil {
		return fmt.Errorf("%w; locate: %w", err, lerr)
	}
	k.h.Peerstore().AddAddrs(id, f.Addrs, max(f.TTL, pstore.TempAddrTTL))
	if err := k.connect(ctx, f.AddrInfo); err != nil {
		return fmt.Errorf("dial located addresses: %w", err)
	}
	return nil
}

func (k *Keeper) connect(ctx context.Context, ai peer.AddrInfo) error {
	if len(ai.Addrs) == 0 {
		return errNoAddrs
	}
	ctx, cancel := context.WithTimeout(ctx, k.opts.DialTimeout)
	defer cancel()
	return k.h.Connect(ctx, ai)
}

var errNoAddrs = errors.New("no known address")

// known returns the addresses the peerstore has for a buddy, and the last
// ones that worked.
func (k *Keeper) known(id peer.ID) peer.AddrInfo {
	ai := peer.AddrInfo{ID: id, Addrs: k.h.Peerstore().Addrs(id)}
	if b, err := k.ps.Buddy(id.String()); err == nil {
		for _, a := range b.Addrs {
			if !containsAddr(ai.Addrs, a.Addr) {
				ai.Addrs = append(ai.Addrs, a.Addr)
			}
		}
	}
	return ai
}

func containsAddr(as []ma.Multiaddr, a ma.Multiaddr) bool {
	for _, b := range as {
		if a.Equal(b) {
			return true
		}
	}
	return false
}

// disconnected schedules a redial, MinBackoff later (so a peer that keeps
// hanging up is not redialled in a tight loop), when the last connection to
// a buddy closes.
func (k *Keeper) disconnected(n network.Network, c network.Conn) {
	id := c.RemotePeer()
	if n.Connectedness(id) == network.Connected {
		return
	}
	k.mu.Lock()
	b, ok := k.buddies[id]
	if ok {
		b.next = time.Now().Add(k.opts.MinBackoff)
	}
	k.mu.Unlock()
	if ok {
		k.wake()
	}
}

func (k *Keeper) wake() {
	select {
	case k.kick <- struct{}{}:
	default:
	}
}
