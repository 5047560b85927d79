package xfer

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	yamux "github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	tls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// benchHosts returns two connected libp2p hosts on 127.0.0.1 with TCP,
// TLS and yamux, as the node uses for bulk data.
func benchHosts(b *testing.B) (seeder, fetcher host.Host) {
	b.Helper()
	mk := func() host.Host {
		h, err := libp2p.New(
			libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
			libp2p.Transport(tcp.NewTCPTransport),
			libp2p.Security(tls.ID, tls.New),
			libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		)
		require.NoError(b, err)
		b.Cleanup(func() { _ = h.Close() })
		return h
	}
	seeder, fetcher = mk(), mk()
	require.NoError(b, fetcher.Connect(context.Background(), peer.AddrInfo{ID: seeder.ID(), Addrs: seeder.Addrs()}))
	return seeder, fetcher
}

// fileSink writes a one-file version into a file at the chunks' offsets.
type fileSink struct {
	f       *os.File
	offsets map[manifest.ChunkHash][]int64
	n       int
}

func newFileSink(f *os.File, s *manifest.Sealed) *fileSink {
	fs := &fileSink{f: f, offsets: map[manifest.ChunkHash][]int64{}, n: len(Chunks(&s.Manifest))}
	var off int64
	for _, c := range s.Files[0].Chunks {
		fs.offsets[c.Hash] = append(fs.offsets[c.Hash], off)
		off += int64(c.Size)
	}
	return fs
}

func (s *fileSink) Have(context.Context) (*Bitfield, error) { return NewBitfield(s.n), nil }

func (s *fileSink) WriteChunk(_ context.Context, h manifest.ChunkHash, data []byte) error {
	for _, off := range s.offsets[h] {
		if _, err := s.f.WriteAt(data, off); err != nil {
			return err
		}
	}
	return nil
}

const benchSize = 256 << 20

// BenchmarkTransfer compares a fetch of a 256 MiB incompressible package
// (1 MiB chunks, one seeder, to a file) with a raw copy of the same bytes
// over one libp2p stream (to a file): the ceiling.
//
//	go test -run XXX -bench Transfer -benchtime 5x ./pkgshare/xfer
func BenchmarkTransfer(b *testing.B) {
	s, data := testPackage(b, TestPackage{Files: 1, FileSize: benchSize, ChunkSize: 1 << 20, Seed: 50})
	seeder, fetcher := benchHosts(b)
	quiet := WithLogger(slog.New(slog.DiscardHandler))

	b.Run("raw-stream", func(b *testing.B) {
		const proto = "/p2psb/bench-raw/1"
		seeder.SetStreamHandler(proto, func(st network.Stream) {
			for _, c := range s.Files[0].Chunks {
				if _, err := st.Write(data[c.Hash]); err != nil {
					_ = st.Reset()
					return
				}
			}
			_ = st.Close()
		})
		defer seeder.RemoveStreamHandler(proto)
		buf := make([]byte, 1<<20)
		out := benchFile(b)
		b.SetBytes(benchSize)
		for b.Loop() {
			_, err := out.Seek(0, io.SeekStart)
			require.NoError(b, err)
			st, err := fetcher.NewStream(context.Background(), seeder.ID(), proto)
			require.NoError(b, err)
			n, err := io.CopyBuffer(out, st, buf)
			require.NoError(b, err)
			require.Equal(b, int64(benchSize), n)
			_ = st.Close()
		}
	})

	b.Run("xfer-fetch", func(b *testing.B) {
		store := NewMemStore()
		store.Add(s, data)
		srv, err := NewServer(seeder, store, quiet)
		require.NoError(b, err)
		defer srv.Close()
		f, err := NewFetcher(fetcher, quiet)
		require.NoError(b, err)
		out := benchFile(b)
		b.SetBytes(benchSize)
		for b.Loop() {
			st, err := f.Fetch(context.Background(), Job{Version: s, Sink: newFileSink(out, s), Providers: providersOf(seeder.ID())})
			require.NoError(b, err)
			require.Equal(b, int64(benchSize), st.Bytes)
		}
	})
}

// benchFile is the output file of a sub-benchmark, rewritten in place by
// every iteration so that both sides pay the same page-cache costs.
func benchFile(b *testing.B) *os.File {
	f, err := os.Create(filepath.Join(b.TempDir(), "out"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = f.Close() })
	return f
}

func providersOf(ids ...peer.ID) <-chan peer.AddrInfo {
	ch := make(chan peer.AddrInfo, len(ids))
	for _, id := range ids {
		ch <- peer.AddrInfo{ID: id}
	}
	close(ch)
	return ch
}
