package catalog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-msgio/pbio"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func TestListPages(t *testing.T) {
	all := testManifests(t, 5)
	want := names(sourceOf(all...).sealedOrder(t))
	cases := []struct {
		name      string
		server    []Option
		client    []Option
		wantNames []string
		truncated bool
	}{
		{name: "one page", wantNames: want},
		{name: "pages of two", server: []Option{WithPage(2, 1<<20)}, wantNames: want},
		{name: "pages of one by bytes", server: []Option{WithPage(100, 1)}, wantNames: want},
		{name: "client count limit", server: []Option{WithPage(2, 1<<20)},
			client: []Option{WithLimits(3, 1<<20)}, wantNames: want[:3], truncated: true},
		{name: "client count limit on a page end", client: []Option{WithLimits(5, 1<<20)}, wantNames: want},
		{name: "client byte limit", client: []Option{WithLimits(100, int64(len(all[0].Raw))*2+10)},
			wantNames: want[:2], truncated: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := hosts(t, 2)
			newService(t, hs[0], sourceOf(all...), tc.server...)
			cli := newService(t, hs[1], sourceOf(), tc.client...)
			l, err := cli.List(context.Background(), hs[0].ID())
			require.NoError(t, err)
			require.Equal(t, tc.wantNames, names(l.Packages))
			require.Empty(t, l.Rejected)
			require.Equal(t, tc.truncated, l.Truncated)
			require.Equal(t, hs[0].ID(), l.Peer)
		})
	}
}

// sealedOrder opens the source's manifests in its order.
func (m *memSource) sealedOrder(t *testing.T) []*manifest.Sealed {
	t.Helper()
	out := make([]*manifest.Sealed, len(m.entries))
	for i, e := range m.entries {
		s, err := manifest.Open(e.Manifest)
		require.NoError(t, err)
		out[i] = s
	}
	return out
}

func TestListRejectsTamperedAndDuplicate(t *testing.T) {
	ms := testManifests(t, 3)
	src := &memSource{entries: []Entry{
		{Cursor: "a", Manifest: ms[0].Raw},
		{Cursor: "b", Manifest: tamper(t, ms[1])},
		{Cursor: "c", Manifest: ms[2].Raw},
		{Cursor: "d", Manifest: ms[0].Raw},
		{Cursor: "e", Manifest: []byte("not an envelope")},
	}}
	hs := hosts(t, 2)
	newService(t, hs[0], src, WithPage(2, 1<<20))
	cli := newService(t, hs[1], sourceOf())
	l, err := cli.List(context.Background(), hs[0].ID())
	require.NoError(t, err)
	require.Equal(t, []string{ms[0].Name, ms[2].Name}, names(l.Packages))
	require.Len(t, l.Rejected, 3)
	require.Equal(t, 1, l.Rejected[0].Index)
	require.ErrorIs(t, l.Rejected[0].Err, manifest.ErrBadSignature)
	require.Equal(t, 3, l.Rejected[1].Index)
	require.ErrorIs(t, l.Rejected[1].Err, ErrDuplicate)
	require.Equal(t, 4, l.Rejected[2].Index)
	require.ErrorIs(t, l.Rejected[2].Err, manifest.ErrMalformed)
}

func TestListErrors(t *testing.T) {
	t.Run("source fails", func(t *testing.T) {
		hs := hosts(t, 2)
		newService(t, hs[0], &memSource{err: errors.New("disk on fire")})
		cli := newService(t, hs[1], sourceOf())
		_, err := cli.List(context.Background(), hs[0].ID())
		require.ErrorIs(t, err, ErrRemote)
		require.NotContains(t, err.Error(), "disk on fire")
	})
	t.Run("peer without catalog", func(t *testing.T) {
		hs := hosts(t, 2)
		cli := newService(t, hs[1], sourceOf())
		_, err := cli.List(context.Background(), hs[0].ID())
		require.ErrorIs(t, err, ErrUnsupported)
	})
	t.Run("closed service", func(t *testing.T) {
		hs := hosts(t, 2)
		srv, err := New(hs[0], sourceOf(testManifests(t, 1)...))
		require.NoError(t, err)
		require.NoError(t, srv.Close())
		require.NoError(t, srv.Close())
		cli := newService(t, hs[1], sourceOf())
		_, err = cli.List(context.Background(), hs[0].ID())
		require.ErrorIs(t, err, ErrUnsupported)
	})
}

// rawServer makes h answer catalog streams with fn.
func rawServer(h host.Host, fn func(s network.Stream, w pbio.Writer)) {
	h.SetStreamHandler(ProtocolID, func(s network.Stream) {
		_, _ = readRequest(s)
		fn(s, pbio.NewDelimitedWriter(s))
		_ = s.Close()
	})
}

func TestListHostileServer(t *testing.T) {
	ms := testManifests(t, 3)
	manifestMsg := func(s *manifest.Sealed) *pb.Response {
		return &pb.Response{Kind: &pb.Response_Manifest{Manifest: s.Raw}}
	}
	endMsg := func(cursor string) *pb.Response {
		return &pb.Response{Kind: &pb.Response_End{End: &pb.End{Cursor: []byte(cursor)}}}
	}
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	cases := []struct {
		name  string
		serve func(s network.Stream, w pbio.Writer)
		want  error
	}{
		{"more than asked", func(_ network.Stream, w pbio.Writer) {
			for _, s := range ms {
				_ = w.WriteMsg(manifestMsg(s))
			}
			_ = w.WriteMsg(endMsg(""))
		}, ErrProtocol},
		{"the same cursor again", func(_ network.Stream, w pbio.Writer) {
			_ = w.WriteMsg(manifestMsg(ms[0]))
			_ = w.WriteMsg(endMsg("x"))
		}, ErrProtocol},
		{"empty page with more", func(_ network.Stream, w pbio.Writer) { _ = w.WriteMsg(endMsg("x")) }, ErrProtocol},
		{"no end", func(_ network.Stream, w pbio.Writer) { _ = w.WriteMsg(manifestMsg(ms[0])) }, ErrProtocol},
		{"empty response", func(_ network.Stream, w pbio.Writer) { _ = w.WriteMsg(&pb.Response{}) }, ErrProtocol},
		{"unknown status", func(_ network.Stream, w pbio.Writer) {
			_ = w.WriteMsg(&pb.Response{Kind: &pb.Response_End{End: &pb.End{Status: 42}}})
		}, ErrProtocol},
		{"silent", func(network.Stream, pbio.Writer) { <-hang }, ErrTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := hosts(t, 2)
			rawServer(hs[0], tc.serve)
			cli := newService(t, hs[1], sourceOf(), WithLimits(2, 1<<20), WithTimeout(300*time.Millisecond))
			_, err := cli.List(context.Background(), hs[0].ID())
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestServerAnswersBadRequest(t *testing.T) {
	hs := hosts(t, 2)
	newService(t, hs[0], sourceOf(testManifests(t, 1)...))
	st, err := hs[1].NewStream(context.Background(), hs[0].ID(), ProtocolID)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, pbio.NewDelimitedWriter(st).WriteMsg(&pb.Request{Cursor: make([]byte, MaxCursor+1)}))
	_, err = readPage(st, 10, 1<<20)
	require.ErrorIs(t, err, ErrBadRequest)
}
