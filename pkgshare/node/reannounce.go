package node

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// rendezvousCheck is how often a node checks that it is connected to its
// rendezvous nodes.
const rendezvousCheck = 5 * time.Second

// watchRendezvous keeps the node connected to its rendezvous nodes: every
// rendezvousCheck it redials those it is not connected to, and registers
// everything it announced again at one that answers, since a rendezvous
// that dropped the connection may have restarted without its
// registrations. (Rendezvous connections are protected from pruning, so a
// lost connection means something happened at the other end.)
func (n *Node) watchRendezvous() {
	if n.Discovery == nil {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(rendezvousCheck)
		defer t.Stop()
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
		}
	}()
}

// reannounce registers every namespace the node announced again.
func (n *Node) reannounce(ctx context.Context) {
	for _, ns := range n.announcedNamespaces() {
		if err := n.advertise(ctx, ns); err != nil {
			n.log.Info("register again", "ns", ns, "err", err)
		}
	}
}
