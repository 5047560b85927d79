package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// Options configure Run.
type Options struct {
	Size      int64  // bytes of the generated package (at least Files)
	Files     int    // files in the package
	Peers     int    // fetching peers
	MaxUpload int    // the publisher's upload limit, bytes per second; 0: unlimited
	Dir       string // where the temporary directory goes; "": os.TempDir()
	// Progress, if set, is called with each fetcher's progress (peer is
	// its index), from several goroutines.
	Progress func(peer int, p fetch.Progress)
	Log      *slog.Logger
}

// Result sums up a demo run.
type Result struct {
	Package   manifest.PackageID `json:"package"`
	Name      string             `json:"name"`
	Bytes     int64              `json:"bytes"`
	Files     int                `json:"files"`
	Publisher peer.ID            `json:"publisher"`
	Seconds   float64            `json:"seconds"` // wall clock from the first fetch's start to the last one's end
	Peers     []Peer             `json:"peers"`
}

// Peer is what one fetcher did.
type Peer struct {
	ID            peer.ID `json:"id"`
	Seconds       float64 `json:"seconds"`
	MBps          float64 `json:"mb_per_s"` // 10^6 bytes per second
	FromPublisher int64   `json:"from_publisher"`
	FromPeers     int64   `json:"from_peers"`
	Verified      bool    `json:"verified"` // every file equals the original
}

// demoListen is where every demo node listens: loopback, a port chosen by
// the OS.
var demoListen = []string{"/ip4/127.0.0.1/tcp/0"}

// Run runs a whole p2psb network in this process, on 127.0.0.1, in a
// temporary directory it removes before returning (also when ctx is
// cancelled): a rendezvous node, a publisher of a generated package of
// pseudo-random files, and opts.Peers fetchers that start together, find
// the publisher through the rendezvous, are given each other's addresses,
// and share chunks as they arrive. Every fetched file is compared with the
// original.
func Run(ctx context.Context, opts Options) (res *Result, err error) {
	if opts.Peers < 1 || opts.Files < 1 || opts.Size < int64(opts.Files) {
		return nil, &node.ConfigError{Msg: "demo: want at least one peer, one file and one byte per file"}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	root, err := os.MkdirTemp(opts.Dir, "p2psb-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(root)) }()
	net := &demoNet{root: root, log: opts.Log}
	defer func() { err = errors.Join(err, net.close()) }()

	rz, err := net.start("rendezvous", node.Options{Rendezvous: true})
	if err != nil {
		return nil, err
	}
	rzAddr := rz.Addrs()[0].String()
	pub, err := net.start("publisher", node.Options{RendezvousPeers: []string{rzAddr}, MaxUpload: opts.MaxUpload})
	if err != nil {
		return nil, err
	}
	src := filepath.Join(root, "source", "demo")
	if err := writeDemoFiles(src, opts.Files, opts.Size); err != nil {
		return nil, err
	}
	pres, err := library.Publish(ctx, pub.Library, net.keys[pub], src, library.PublishOptions{Name: "demo"})
	if err != nil {
		return nil, err
	}
	if err := pub.AnnouncePackage(ctx, pres.ID); err != nil {
		return nil, fmt.Errorf("demo: announce the package: %w", err)
	}
	res = &Result{Package: pres.ID, Name: pres.Name, Bytes: pres.Bytes, Files: pres.Files, Publisher: pub.Host.ID()}
	fetchers := make([]*node.Node, opts.Peers)
	for i := range fetchers {
		if fetchers[i], err = net.start(fmt.Sprintf("peer%d", i+1), node.Options{RendezvousPeers: []string{rzAddr}}); err != nil {
			return nil, err
		}
	}
	if err := runDemoFetches(ctx, res, fetchers, src, opts.Progress); err != nil {
		return nil, err
	}
	return res, nil
}

// runDemoFetches starts every fetch at once and fills res.Peers.
func runDemoFetches(ctx context.Context, res *Result, fetchers []*node.Node, src string, progress func(int, fetch.Progress)) error {
	res.Peers = make([]Peer, len(fetchers))
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range fetchers {
		var others []peer.AddrInfo
		for _, o := range fetchers {
			if o != n {
				others = append(others, peer.AddrInfo{ID: o.Host.ID(), Addrs: o.Host.Addrs()})
			}
		}
		g.Go(func() error {
			target := filepath.Join(filepath.Dir(filepath.Dir(src)), fmt.Sprintf("peer%d-files", i+1))
			fr, err := n.Fetch(gctx, fetch.Options{
				Ref: manifest.Ref{ID: res.Package}, Target: target, Peers: others, Announce: true,
				Progress: func(p fetch.Progress) {
					if progress != nil {
						progress(i, p)
					}
				},
			})
			if err != nil {
				return fmt.Errorf("demo: peer %d: %w", i+1, err)
			}
			res.Peers[i] = demoPeer(n.Host.ID(), res.Publisher, fr)
			if err := sameTree(src, target); err != nil {
				return fmt.Errorf("demo: peer %d: %w", i+1, err)
			}
			res.Peers[i].Verified = true
			return nil
		})
	}
	err := g.Wait()
	res.Seconds = time.Since(start).Seconds()
	return err
}

func demoPeer(id, publisher peer.ID, fr *fetch.Result) Peer {
	p := Peer{ID: id, Seconds: fr.Seconds}
	for from, n := range fr.PerPeer {
		if from == publisher.String() {
			p.FromPublisher += n
		} else {
			p.FromPeers += n
		}
	}
	if fr.Seconds > 0 {
		p.MBps = float64(fr.Bytes) / fr.Seconds / 1e6
	}
	return p
}

// demoNet is the nodes of a demo and their homes.
type demoNet struct {
	root  string
	log   *slog.Logger
	nodes []*node.Node
	homes []*home.Home
	keys  map[*node.Node]crypto.PrivKey
}

// start starts a node with its own home (key and database) under the root.
func (d *demoNet) start(name string, o node.Options) (*node.Node, error) {
	h, err := home.Open(filepath.Join(d.root, name))
	if err != nil {
		return nil, err
	}
	d.homes = append(d.homes, h)
	if o.Key, err = h.Identity(); err != nil {
		return nil, err
	}
	if o.DB, err = h.DB(); err != nil {
		return nil, err
	}
	o.Listen, o.Log = demoListen, d.log.With("node", name)
	n, err := node.Start(o)
	if err != nil {
		return nil, fmt.Errorf("demo: start %s: %w", name, err)
	}
	d.nodes = append(d.nodes, n)
	if d.keys == nil {
		d.keys = map[*node.Node]crypto.PrivKey{}
	}
	d.keys[n] = o.Key
	return n, nil
}

// close stops the nodes, newest first, and closes their homes.
func (d *demoNet) close() error {
	var errs []error
	for i := len(d.nodes) - 1; i >= 0; i-- {
		errs = append(errs, d.nodes[i].Close())
	}
	for _, h := range d.homes {
		errs = append(errs, h.Close())
	}
	return errors.Join(errs...)
}
