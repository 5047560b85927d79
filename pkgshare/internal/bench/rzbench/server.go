package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/rendezvous"
)

// Pre-fill layout: size/1000 peers, each registered in namespaces
// pkg-0000 ... pkg-0999, so a namespace holds size/1000 peers.
const prefillNamespaces = 1000

// runServer is the child process: pre-fill, listen, print ADDR, serve until
// stdin closes, then print the peak RSS.
func runServer(ctx context.Context, dbPath string, prefill int) error {
	db, err := rendezvous.OpenDB(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rm, err := rendezvous.NewResourceManager(rendezvous.DefaultConnsPerIP)
	if err != nil {
		return err
	}
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.ResourceManager(rm))
	if err != nil {
		return err
	}
	defer h.Close()
	srv, err := rendezvous.NewServer(h, db, rendezvous.WithMaxRegistrations(prefill+rendezvous.DefaultMaxRegistrations))
	if err != nil {
		return err
	}
	defer srv.Close()
	start := time.Now()
	if err := fill(ctx, srv, prefill); err != nil {
		return err
	}
	fmt.Printf("PREFILL %s\n", time.Since(start).Round(time.Second))
	if path := os.Getenv("RZBENCH_CPUPROFILE"); path != "" {
		stopProfile, err := startProfile(path)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	fmt.Printf("ADDR %s/p2p/%s\n", h.Addrs()[0], h.ID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	fmt.Printf("VMHWM %s\n", vmHWM())
	return nil
}

// fill registers size records through the server's bulk path, four peers
// at a time so that the writer's transactions fill up.
func fill(ctx context.Context, srv *rendezvous.Server, size int) error {
	peers := (size + prefillNamespaces - 1) / prefillNamespaces
	sem := make(chan struct{}, 4)
	errs := make(chan error, peers)
	var wg sync.WaitGroup
	for p := 0; p < peers; p++ {
		n := min(prefillNamespaces, size-p*prefillNamespaces)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- fillPeer(ctx, srv, n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func fillPeer(ctx context.Context, srv *rendezvous.Server, n int) error {
	key, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		return err
	}
	id, _ := peer.IDFromPrivateKey(key)
	addrs := []ma.Multiaddr{ma.StringCast("/ip4/192.0.2.1/tcp/4001"), ma.StringCast("/ip4/192.0.2.1/udp/4001/quic-v1")}
	env, err := rendezvous.SignRecord(key, peer.AddrInfo{ID: id, Addrs: addrs}, 0, 32)
	if err != nil {
		return err
	}
	nss := make([]string, n)
	for i := range nss {
		nss[i] = fmt.Sprintf("pkg-%04d", i)
	}
	return srv.RegisterLocal(ctx, env, nss, 72*time.Hour)
}

// vmHWM is the process's peak resident set size from /proc/self/status.
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// startProfile writes a CPU profile of the serving phase to path
// (RZBENCH_CPUPROFILE), for finding where the server spends its time.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
