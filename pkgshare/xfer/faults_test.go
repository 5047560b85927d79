package xfer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// faultyStore wraps a MemStore: it counts chunks served, signals the first
// one, and can flip a byte of every chunk or stall after some chunks.
type faultyStore struct {
	*MemStore
	corrupt    bool
	stallAfter int64 // 0: never
	served     atomic.Int64
	stalled    atomic.Int64
	first      chan struct{}
	once       sync.Once
}

func newFaultyStore(st *MemStore) *faultyStore {
	return &faultyStore{MemStore: st, first: make(chan struct{})}
}

func (f *faultyStore) ReadChunk(ctx context.Context, id manifest.VersionID, h manifest.ChunkHash, buf []byte) error {
	n := f.served.Add(1)
	if f.stallAfter > 0 && n > f.stallAfter {
		f.stalled.Add(1)
		<-ctx.Done() // a peer that stops answering
		return ctx.Err()
	}
	if err := f.MemStore.ReadChunk(ctx, id, h, buf); err != nil {
		return err
	}
	if f.corrupt {
		buf[len(buf)/2] ^= 0x55
	}
	f.once.Do(func() { close(f.first) })
	return nil
}

// serveFrom replaces n's server with one serving st.
func serveFrom(t *testing.T, n *node, st Store, opts ...Option) {
	t.Helper()
	require.NoError(t, n.srv.Close())
	opts = append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	srv, err := NewServer(n.h, st, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	n.srv = srv
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestFetchCorruptPeer(t *testing.T) {
	for _, compressible := range []bool{false, true} {
		name := map[bool]string{false: "raw", true: "zstd"}[compressible]
		t.Run(name, func(t *testing.T) {
			nodes := newNodes(t, 4, mocknet.LinkOptions{Latency: time.Millisecond})
			s, data := testPackage(t, TestPackage{Files: 2, FileSize: 200_000, ChunkSize: 8 << 10, Compressible: compressible, Seed: 10})
			bad := newFaultyStore(nodes[0].store)
			bad.corrupt = true
			serveFrom(t, nodes[0], bad)
			for _, n := range nodes[:3] {
				n.store.Add(s, data)
			}
			// The corrupt peer comes first; the honest ones once it has
			// served a chunk, so it is certainly asked.
			provs := make(chan peer.AddrInfo, 3)
			provs <- peer.AddrInfo{ID: nodes[0].h.ID()}
			go func() {
				defer close(provs)
				<-bad.first
				provs <- peer.AddrInfo{ID: nodes[1].h.ID()}
				provs <- peer.AddrInfo{ID: nodes[2].h.ID()}
			}()
			var reported []peer.ID
			var mu sync.Mutex
			st, err := fetchInto(testContext(t, 30*time.Second), nodes[3], s, Job{
				Providers: provs,
				BadPeer: func(p peer.ID, err error) {
					mu.Lock()
					defer mu.Unlock()
					require.ErrorIs(t, err, ErrBadPeer)
					reported = append(reported, p)
				},
			})
			require.NoError(t, err)
			requireComplete(t, nodes[3].store, s, data)
			require.Equal(t, []peer.ID{nodes[0].h.ID()}, st.BadPeers)
			require.Equal(t, []peer.ID{nodes[0].h.ID()}, reported)
			require.Zero(t, st.PerPeer[nodes[0].h.ID()])
			require.Equal(t, s.Size(), st.Bytes)
		})
	}
}

func TestFetchOnlyCorruptPeerFails(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 64 << 10, ChunkSize: 8 << 10, Seed: 11})
	nodes[0].store.Add(s, data)
	bad := newFaultyStore(nodes[0].store)
	bad.corrupt = true
	serveFrom(t, nodes[0], bad)
	st, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{Providers: providers(nodes[0])})
	require.ErrorIs(t, err, ErrNoProviders)
	require.Equal(t, []peer.ID{nodes[0].h.ID()}, st.BadPeers)
	require.Zero(t, st.Bytes)
	bf, err := nodes[1].store.Have(context.Background(), s.ID)
	require.NoError(t, err)
	require.Zero(t, bf.Count(), "no bad chunk may reach the sink")
}

func TestFetchSeederClosedMidway(t *testing.T) {
	nodes := newNodes(t, 4, mocknet.LinkOptions{Latency: time.Millisecond, Bandwidth: 2 << 20})
	s, data := testPackage(t, TestPackage{Files: 2, FileSize: 1 << 20, ChunkSize: 16 << 10, Seed: 12})
	for _, n := range nodes[:3] {
		n.store.Add(s, data)
	}
	watched := newFaultyStore(nodes[2].store)
	serveFrom(t, nodes[2], watched)
	go func() {
		<-watched.first
		_ = nodes[2].srv.Close()
		_ = nodes[2].h.Close()
	}()
	st, err := fetchInto(testContext(t, 30*time.Second), nodes[3], s, Job{Providers: providers(nodes[:3]...)})
	require.NoError(t, err)
	requireComplete(t, nodes[3].store, s, data)
	require.Less(t, st.PerPeer[nodes[2].h.ID()], s.Size()/2)
	require.Equal(t, s.Size(), st.Bytes)
}

// A peer that stops answering is timed out: its requests go to the other
// peer, and each new stream to it stalls again (one stalled read per
// stream) until it is dropped.
func TestFetchStalledPeerRetriedElsewhere(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{Latency: time.Millisecond, Bandwidth: 1 << 20},
		WithRequestTimeout(200*time.Millisecond))
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 1 << 20, ChunkSize: 8 << 10, Seed: 13})
	nodes[0].store.Add(s, data)
	nodes[1].store.Add(s, data)
	stall := newFaultyStore(nodes[0].store)
	stall.stallAfter = 2
	serveFrom(t, nodes[0], stall)
	st, err := fetchInto(testContext(t, 30*time.Second), nodes[2], s, Job{Providers: providers(nodes[0], nodes[1])})
	require.NoError(t, err)
	requireComplete(t, nodes[2].store, s, data)
	require.LessOrEqual(t, st.PerPeer[nodes[0].h.ID()], int64(2*8<<10))
	require.GreaterOrEqual(t, stall.stalled.Load(), int64(2), "a timed-out peer is retried on a new stream")
}

func TestFetchStalledOnlyPeerFails(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{}, WithRequestTimeout(100*time.Millisecond))
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 64 << 10, ChunkSize: 8 << 10, Seed: 16})
	nodes[0].store.Add(s, data)
	stall := newFaultyStore(nodes[0].store)
	stall.stallAfter = 1
	serveFrom(t, nodes[0], stall)
	_, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{Providers: providers(nodes[0])})
	require.ErrorIs(t, err, ErrNoProviders)
	// The first lane's streams stall maxFailures times before the peer is
	// dropped; if the first answer got through, the other lanes (opened
	// by it) may stall too before the drop ends them.
	require.GreaterOrEqual(t, stall.stalled.Load(), int64(maxFailures))
	require.LessOrEqual(t, stall.stalled.Load(), int64(chunkLanes*maxFailures))
}

func TestFetchNoProviders(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, _ := testPackage(t, TestPackage{Files: 1, FileSize: 1000, ChunkSize: 100, Seed: 14})
	cases := []struct {
		name string
		prov <-chan peer.AddrInfo
	}{
		{"nil channel", nil},
		{"peer without the version", providers(nodes[0])},
		{"only ourselves", providers(nodes[1])},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fetchInto(testContext(t, 10*time.Second), nodes[1], s, Job{Providers: tc.prov})
			require.ErrorIs(t, err, ErrNoProviders)
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, _ := testPackage(t, TestPackage{Files: 1, FileSize: 1000, ChunkSize: 100, Seed: 15})
	ctx, cancel := context.WithCancel(context.Background())
	provs := make(chan peer.AddrInfo) // open: discovery still running
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := fetchInto(ctx, nodes[1], s, Job{Providers: provs})
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

// gateStore lets the first chunk through and holds every later read until
// release is closed, telling held on each read it holds.
type gateStore struct {
	*MemStore
	first   atomic.Bool
	held    chan struct{}
	release chan struct{}
}

func (g *gateStore) ReadChunk(ctx context.Context, id manifest.VersionID, h manifest.ChunkHash, buf []byte) error {
	if g.first.CompareAndSwap(false, true) {
		return g.MemStore.ReadChunk(ctx, id, h, buf)
	}
	select {
	case g.held <- struct{}{}:
	case <-g.release:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.MemStore.ReadChunk(ctx, id, h, buf)
}

// Once a peer has answered, the fetch opens a second chunk stream to it:
// a server answers one stream's requests one at a time, so two reads held
// at once can only come from two streams. (The chunks are larger than the
// server's write buffer, so the first answer leaves at once; a request
// slot frees with it, for the second lane.)
func TestFetchOpensSecondLane(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{}, WithWindow(8, 64))
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 4 << 20, ChunkSize: 128 << 10, Seed: 17})
	nodes[0].store.Add(s, data)
	gate := &gateStore{MemStore: nodes[0].store, held: make(chan struct{}), release: make(chan struct{})}
	serveFrom(t, nodes[0], gate)
	done := make(chan error, 1)
	var st *Stats
	go func() {
		var err error
		st, err = fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{Providers: providers(nodes[0])})
		done <- err
	}()
	for range chunkLanes {
		waitFor(t, gate.held, "a held chunk read")
	}
	close(gate.release)
	require.NoError(t, <-done)
	requireComplete(t, nodes[1].store, s, data)
	require.Equal(t, s.Size(), st.Bytes)
}
