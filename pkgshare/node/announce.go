package node

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/discovery"

	"github.com/p2psb/p2psb/pkgshare/manifest"
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

// ttlOption asks for Options.AnnounceTTL when it is set.
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

// AnnouncePackage announces that the node provides package id: it
// registers it under PackageNamespace at the rendezvous nodes (see
// Announce), provides it on the DHT, in the background, and joins its
// follow topic.
func (n *Node) AnnouncePackage(ctx context.Context, id manifest.PackageID) error {
	n.provide(id)
	n.joinTopic(id)
	return n.Announce(ctx, PackageNamespace(id))
}

// UnannouncePackage stops announcing package id: it unregisters it from
// the rendezvous nodes, no longer provides it on the DHT and leaves its
// follow topic unless it is followed.
func (n *Node) UnannouncePackage(ctx context.Context, id manifest.PackageID) error {
	n.stopProviding(id)
	n.leaveTopic(id)
	return n.Unannounce(ctx, PackageNamespace(id))
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
// library that serves whole (servable.go) and returns the namespaces
// announced. Close unregisters them.
func (n *Node) SeedLibrary(ctx context.Context) ([]string, error) {
	pkgs, err := n.Library.Packages(ctx)
	if err != nil {
		return nil, err
	}
	var nss []string
	var wg sync.WaitGroup
	for _, p := range pkgs {
		if ok, err := n.servable(ctx, p.ID); err != nil || !ok {
			n.log.Warn("no version of the package serves whole (its files changed); not announcing it (p2psb packages verify, then publish again)",
				"package", p.ID, "name", p.Name, "err", err)
			continue
		}
		ns := PackageNamespace(p.ID)
		nss = append(nss, ns)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.AnnouncePackage(ctx, p.ID); err != nil {
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
	return slices.Collect(maps.Keys(n.announced))
}
