package pkgshare

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Announce registers the host in ns at the configured rendezvous nodes,
// trying once before it returns (the error says why that try failed). The
// rendezvous client then re-registers before the TTL runs out; after a
// failure a background loop retries with backoff until one rendezvous
// accepts. It does nothing without a rendezvous.
func (n *Node) Announce(ctx context.Context, ns string) error {
	if n.Discovery == nil {
		return nil
	}
	n.mu.Lock()
	n.announced[ns] = true
	n.mu.Unlock()
	err := n.advertise(ctx, ns)
	if err != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.retryAnnounce(ns)
		}()
	}
	return err
}

func (n *Node) advertise(ctx context.Context, ns string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ttl, err := n.Discovery.Advertise(ctx, ns, n.ttlOption()...)
	if err == nil {
		n.log.Info("announced", "ns", ns, "ttl", ttl)
	}
	return err
}

// ttlOption asks for NodeOptions.AnnounceTTL when it is set.
func (n *Node) ttlOption() []discovery.Option {
	if n.announceTTL <= 0 {
		return nil
	}
	return []discovery.Option{discovery.TTL(n.announceTTL)}
}

func (n *Node) retryAnnounce(ns string) {
	wait := 250 * time.Millisecond
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		}
		err := n.advertise(n.ctx, ns)
		if err == nil {
			return
		}
		n.log.Info("announce failed; retrying", "ns", ns, "in", wait, "err", err)
		wait = min(2*wait, time.Minute)
	}
}

// Status is a snapshot of a running node.
type Status struct {
	ID         peer.ID    `json:"id"`
	PID        int        `json:"pid"`        // the daemon's process ID
	Addrs      []string   `json:"addrs"`      // listen addresses, with /p2p/<id>
	Observed   []string   `json:"observed"`   // our addresses as peers see them (identify)
	Peers      []string   `json:"peers"`      // connected peers
	Rendezvous []string   `json:"rendezvous"` // configured rendezvous nodes
	IsRendez   bool       `json:"is_rendezvous"`
	Transfers  []Transfer `json:"transfers"`      // fetches in progress
	Uploaded   int64      `json:"uploaded_bytes"` // chunk bytes served since start
	Started    time.Time  `json:"started"`
}

// Status returns a snapshot of the node.
func (n *Node) Status() Status {
	s := Status{ID: n.Host.ID(), PID: os.Getpid(), IsRendez: n.Server != nil, Started: n.started,
		Addrs: []string{}, Peers: []string{}, Rendezvous: []string{}, Observed: n.observed.list()}
	for _, a := range n.Addrs() {
		s.Addrs = append(s.Addrs, a.String())
	}
	s.Transfers = n.Seeder.Transfers()
	s.Uploaded = n.Xfer.Sent()
	for _, p := range n.Host.Network().Peers() {
		s.Peers = append(s.Peers, p.String())
	}
	if n.Discovery != nil {
		for _, ai := range n.Discovery.Servers() {
			s.Rendezvous = append(s.Rendezvous, ai.ID.String())
		}
	}
	return s
}

// unannounceAll removes every registration Announce made from the
// rendezvous nodes (at shutdown), giving up after a few seconds.
func (n *Node) unannounceAll() {
	if n.Discovery == nil {
		return
	}
	nss := n.announcedNamespaces()
	n.mu.Lock()
	n.announced = map[string]bool{}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, ns := range nss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Discovery.Unregister(ctx, ns); err != nil {
				n.log.Info("unregister", "ns", ns, "err", err)
			}
		}()
	}
	wg.Wait()
}

// SeedLibrary announces every package with a complete version in the
// library and returns the namespaces announced. Close unregisters them.
func (n *Node) SeedLibrary(ctx context.Context) ([]string, error) {
	pkgs, err := n.Library.Packages(ctx)
	if err != nil {
		return nil, err
	}
	nss := make([]string, len(pkgs))
	var wg sync.WaitGroup
	for i, p := range pkgs {
		nss[i] = PackageNamespace(p.ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Announce(ctx, nss[i]); err != nil {
				n.log.Info("announce package; retrying in the background", "package", p.ID, "err", err)
			}
		}()
	}
	wg.Wait()
	return nss, nil
}

// Unannounce stops announcing ns and removes the node's registration in it
// from the rendezvous nodes (a package no longer held, say).
func (n *Node) Unannounce(ctx context.Context, ns string) error {
	if n.Discovery == nil {
		return nil
	}
	n.mu.Lock()
	delete(n.announced, ns)
	n.mu.Unlock()
	return n.Discovery.Unregister(ctx, ns)
}

// announcedNamespaces lists the namespaces Announce registered.
func (n *Node) announcedNamespaces() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	nss := make([]string, 0, len(n.announced))
	for ns := range n.announced {
		nss = append(nss, ns)
	}
	return nss
}
