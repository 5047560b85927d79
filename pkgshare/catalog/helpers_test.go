package catalog

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sort"
	"testing"

	"github.com/libp2p/go-libp2p/core/host"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// memSource is a Source over fixed entries, ordered by cursor.
type memSource struct {
	entries []Entry
	err     error
}

func (m *memSource) Catalog(_ context.Context, after string, limit, maxBytes int) ([]Entry, bool, error) {
	if m.err != nil {
		return nil, false, m.err
	}
	i := sort.Search(len(m.entries), func(i int) bool { return m.entries[i].Cursor > after })
	var out []Entry
	size := 0
	for ; i < len(m.entries) && len(out) < limit && (len(out) == 0 || size < maxBytes); i++ {
		out = append(out, m.entries[i])
		size += len(m.entries[i].Manifest)
	}
	return out, i < len(m.entries), nil
}

// sourceOf returns a source listing the manifests, by package ID.
func sourceOf(ss ...*manifest.Sealed) *memSource {
	src := &memSource{}
	for _, s := range ss {
		src.entries = append(src.entries, Entry{Cursor: s.PackageID.String(), Manifest: s.Raw})
	}
	slices.SortFunc(src.entries, func(a, b Entry) int { return bytes.Compare([]byte(a.Cursor), []byte(b.Cursor)) })
	return src
}

// testManifests returns n sealed test packages with distinct publishers.
func testManifests(t testing.TB, n int) []*manifest.Sealed {
	t.Helper()
	out := make([]*manifest.Sealed, n)
	for i := range out {
		s, _, err := xfer.NewTestPackage(xfer.TestPackage{Files: 2, FileSize: 1000, ChunkSize: 400, Seed: uint64(100 + 2*i)})
		require.NoError(t, err)
		out[i] = s
	}
	return out
}

// tamper returns a copy of a sealed manifest with a byte of its name
// changed, so the envelope still parses but the signature fails.
func tamper(t testing.TB, s *manifest.Sealed) []byte {
	t.Helper()
	raw := bytes.Clone(s.Raw)
	i := bytes.Index(raw, []byte(s.Name))
	require.GreaterOrEqual(t, i, 0)
	raw[i] ^= 0x01
	return raw
}

// hosts returns n linked and connected mocknet hosts.
func hosts(t *testing.T, n int) []host.Host {
	t.Helper()
	mn := mocknet.New()
	t.Cleanup(func() { _ = mn.Close() })
	out := make([]host.Host, n)
	for i := range out {
		h, err := mn.GenPeer()
		require.NoError(t, err)
		out[i] = h
	}
	require.NoError(t, mn.LinkAll())
	require.NoError(t, mn.ConnectAllButSelf())
	return out
}

// newService starts a service on h, closed when the test ends.
func newService(t *testing.T, h host.Host, src Source, opts ...Option) *Service {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	s, err := New(h, src, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func names(ss []*manifest.Sealed) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}
