package node

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// rendezvousCheck is how often a node checks that it is connected to its
// rendezvous nodes; learnEvery how often it asks them for the other
// rendezvous nodes they know (from the first check until one answers).
const (
	rendezvousCheck = 5 * time.Second
	learnEvery      = 30 * time.Minute
)

// watchRendezvous keeps the node connected to its rendezvous nodes: every
// rendezvousCheck it redials those it is not connected to, and registers
// everything it announced again at one that answers, since a rendezvous
// that dropped the connection may have restarted without its
// registrations. (Rendezvous connections are protected from pruning, so a
// lost connection means something happened at the other end.) It also
// learns the other rendezvous nodes now and then (learnRendezvous).
func (n *Node) watchRendezvous() {
	if n.Discovery == nil {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(rendezvousCheck)
		defer t.Stop()
		var learnedAt time.Time
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-t.C:
			}
			for _, ai := range n.Discovery.Servers() {
				if n.Host.Network().Connectedness(ai.ID) == network.Connected {
					continue
				}
				ctx, cancel := context.WithTimeout(n.ctx, rendezvousCheck)
				err := n.Host.Connect(ctx, ai)
				if err == nil {
					n.log.Info("rendezvous is back; registering again", "rendezvous", ai.ID)
					n.reannounce(ctx)
				}
				cancel()
			}
			// After the redials: a request that connects to a rendezvous
			// that came back would hide that it did.
			if time.Since(learnedAt) >= learnEvery && n.learnRendezvous() {
				learnedAt = time.Now()
			}
		}
	}()
}

// learnRendezvous asks the rendezvous nodes for the others they know, which
// the client remembers (in the database) for when the configured ones
// fail, and reports whether one answered.
func (n *Node) learnRendezvous() bool {
	ctx, cancel := context.WithTimeout(n.ctx, rendezvousCheck)
	defer cancel()
	found, err := n.Discovery.ListRendezvous(ctx)
	if err != nil {
		n.log.Debug("learn rendezvous nodes", "err", err)
		return false
	}
	n.log.Debug("learned rendezvous nodes", "count", len(found))
	return true
}

// LearnRendezvous remembers rendezvous nodes (a ticket's, say) to ask
// when the configured ones fail. It does nothing without a rendezvous.
func (n *Node) LearnRendezvous(ctx context.Context, nodes []peer.AddrInfo) error {
	if n.Discovery == nil {
		return nil
	}
	return n.Discovery.Learn(ctx, nodes)
}

// reannounce registers every namespace the node announced again.
func (n *Node) reannounce(ctx context.Context) {
	for _, ns := range n.announcedNamespaces() {
		if err := n.advertise(ctx, ns); err != nil {
			n.log.Info("register again", "ns", ns, "err", err)
		}
	}
}

// addrsSettle is how long a node waits after its addresses change for
// more changes before it registers again (a reservation often brings
// several addresses, one after the other).
const addrsSettle = 200 * time.Millisecond

// followAddrs registers everything the node announced again whenever its
// addresses change, so that the signed records at the rendezvous nodes
// carry what the node can be reached at now: relayed addresses (through a
// reservation AutoRelay made) above all, or new listen addresses.
func (n *Node) followAddrs() error {
	if n.Discovery == nil {
		return nil
	}
	sub, err := n.Host.EventBus().Subscribe(new(event.EvtLocalAddressesUpdated))
	if err != nil {
		return err
	}
	n.wg.Go(func() {
		defer sub.Close()
		settle := time.NewTimer(time.Hour)
		settle.Stop()
		defer settle.Stop()
		for {
			select {
			case <-n.ctx.Done():
				return
			case _, ok := <-sub.Out():
				if !ok {
					return
				}
				settle.Reset(addrsSettle)
			case <-settle.C:
				if len(n.announcedNamespaces()) == 0 {
					continue
				}
				addrs := n.Host.Addrs()
				n.reannounce(n.ctx)
				n.log.Info("addresses changed; registered again", "addrs", addrs)
			}
		}
	})
	return nil
}
