package xfer

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// node is one mocknet peer with a store, a server and a fetcher.
type node struct {
	h     host.Host
	store *MemStore
	srv   *Server
	f     *Fetcher
}

// newNodes builds n fully linked and connected mocknet peers.
func newNodes(t *testing.T, n int, link mocknet.LinkOptions, opts ...Option) []*node {
	t.Helper()
	mn := mocknet.New()
	t.Cleanup(func() { _ = mn.Close() })
	mn.SetLinkDefaults(link)
	opts = append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	nodes := make([]*node, n)
	for i := range nodes {
		h, err := mn.GenPeer()
		require.NoError(t, err)
		nodes[i] = newNode(t, h, opts...)
	}
	require.NoError(t, mn.LinkAll())
	require.NoError(t, mn.ConnectAllButSelf())
	return nodes
}

func newNode(t *testing.T, h host.Host, opts ...Option) *node {
	t.Helper()
	st := NewMemStore()
	srv, err := NewServer(h, st, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	f, err := NewFetcher(h, opts...)
	require.NoError(t, err)
	return &node{h: h, store: st, srv: srv, f: f}
}

func testPackage(t testing.TB, p TestPackage) (*manifest.Sealed, map[manifest.ChunkHash][]byte) {
	t.Helper()
	s, data, err := NewTestPackage(p)
	require.NoError(t, err)
	return s, data
}

// providers returns a closed channel holding the IDs of nodes.
func providers(nodes ...*node) <-chan peer.AddrInfo {
	ch := make(chan peer.AddrInfo, len(nodes))
	for _, n := range nodes {
		ch <- peer.AddrInfo{ID: n.h.ID()}
	}
	close(ch)
	return ch
}

// requireComplete checks that st holds every chunk of s with the right bytes.
func requireComplete(t *testing.T, st *MemStore, s *manifest.Sealed, data map[manifest.ChunkHash][]byte) {
	t.Helper()
	for _, c := range Chunks(&s.Manifest) {
		got, ok := st.Chunk(s.ID, c.Hash)
		require.True(t, ok, "chunk %s missing", c.Hash)
		require.Equal(t, data[c.Hash], got, "chunk %s differs", c.Hash)
	}
}

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fetchInto runs a fetch of s into n's store from the given providers.
func fetchInto(ctx context.Context, n *node, s *manifest.Sealed, job Job) (*Stats, error) {
	n.store.Add(s, nil)
	job.Version, job.Sink = s, n.store.Sink(s.ID)
	if job.Notify == nil {
		job.Notify = n.srv
	}
	return n.f.Fetch(ctx, job)
}
