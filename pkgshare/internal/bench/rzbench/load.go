package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous"
	"github.com/p2psb/p2psb/rendezvous/pb"
)

// measure starts a server child holding size registrations and runs the
// REGISTER and DISCOVER phases against it.
func measure(ctx context.Context, o options, size int) (string, error) {
	dir, err := os.MkdirTemp(o.dir, "rzbench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, os.Args[0], "-serve", "-db", filepath.Join(dir, "rz.db"), "-prefill", fmt.Sprint(size))
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	prefill, addr, err := readStart(lines)
	if err != nil {
		return "", err
	}
	info, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return "", err
	}
	reg, err := phase(ctx, o, *info, registerLoop)
	if err != nil {
		return "", fmt.Errorf("REGISTER phase: %w", err)
	}
	disc, err := phase(ctx, o, *info, discoverLoop)
	if err != nil {
		return "", fmt.Errorf("DISCOVER phase: %w", err)
	}
	stdin.Close()
	hwm := "?"
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "VMHWM "); ok {
			hwm = v
		}
	}
	return fmt.Sprintf("| %d | %.0f | %s | %s | %.0f | %s | %s | %s | %s |", size,
		reg.rate, reg.p50, reg.p99, disc.rate, disc.p50, disc.p99, hwm, prefill), nil
}

func readStart(lines *bufio.Scanner) (prefill, addr string, err error) {
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "PREFILL "); ok {
			prefill = v
		}
		if v, ok := strings.CutPrefix(lines.Text(), "ADDR "); ok {
			return prefill, v, nil
		}
	}
	return "", "", fmt.Errorf("server exited before listening")
}

type result struct {
	rate     float64
	p50, p99 time.Duration
}

// loop runs requests on one stream until the deadline and returns the
// latency of each.
type loop func(ctx context.Context, c *conn, deadline time.Time) ([]time.Duration, error)

type conn struct {
	h     host.Host
	s     network.Stream
	r     pbio.Reader
	w     pbio.Writer
	id    int
	limit int
}

func (c *conn) roundTrip(req, resp *pb.Message) error {
	if err := c.w.WriteMsg(req); err != nil {
		return err
	}
	return c.r.ReadMsg(resp)
}

// phase runs o.clients clients, each with its own host and stream, for
// o.duration, and aggregates their latencies.
func phase(ctx context.Context, o options, server peer.AddrInfo, run loop) (result, error) {
	conns := make([]*conn, o.clients)
	for i := range conns {
		c, err := dial(ctx, server, i)
		if err == nil {
			c.limit = o.limit
		}
		if err != nil {
			return result{}, err
		}
		defer c.h.Close()
		conns[i] = c
	}
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(o.duration)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, err := run(ctx, c, deadline)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	slices.Sort(all)
	if len(all) == 0 {
		return result{}, fmt.Errorf("no requests completed")
	}
	pct := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))].Round(10 * time.Microsecond) }
	return result{rate: float64(len(all)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}, nil
}

func dial(ctx context.Context, server peer.AddrInfo, id int) (*conn, error) {
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		return nil, err
	}
	if err := h.Connect(ctx, server); err != nil {
		h.Close()
		return nil, err
	}
	s, err := h.NewStream(ctx, server.ID, rendezvous.ProtocolID)
	if err != nil {
		h.Close()
		return nil, err
	}
	return &conn{h: h, s: s, r: pbio.NewDelimitedReader(s, 4<<20), w: pbio.NewDelimitedWriter(s), id: id}, nil
}

// registerLoop registers the client's host in 500 namespaces in turn.
func registerLoop(ctx context.Context, c *conn, deadline time.Time) ([]time.Duration, error) {
	env, err := rendezvous.SignRecord(c.h.Peerstore().PrivKey(c.h.ID()), peer.AddrInfo{ID: c.h.ID(), Addrs: c.h.Addrs()}, 0, 32)
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		req := &pb.Message{Type: pb.Message_REGISTER.Enum(), Register: &pb.Message_Register{
			Ns: proto.String(fmt.Sprintf("load-%03d", i%500)), SignedPeerRecord: env, Ttl: proto.Int64(7200)}}
		var resp pb.Message
		t := time.Now()
		if err := c.roundTrip(req, &resp); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t))
		if st := resp.GetRegisterResponse().GetStatus(); st != pb.Message_OK {
			return lat, fmt.Errorf("REGISTER: %s %s", st, resp.GetRegisterResponse().GetStatusText())
		}
	}
	return lat, nil
}

// discoverLoop asks for random pre-filled namespaces.
func discoverLoop(ctx context.Context, c *conn, deadline time.Time) ([]time.Duration, error) {
	var lat []time.Duration
	for time.Now().Before(deadline) && ctx.Err() == nil {
		req := &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
			Ns: proto.String(fmt.Sprintf("pkg-%04d", rand.IntN(prefillNamespaces))), Limit: proto.Int64(int64(c.limit))}}
		var resp pb.Message
		t := time.Now()
		if err := c.roundTrip(req, &resp); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t))
		if st := resp.GetDiscoverResponse().GetStatus(); st != pb.Message_OK {
			return lat, fmt.Errorf("DISCOVER: %s", st)
		}
	}
	return lat, nil
}
