package xfer

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
	b.Run("raw-stream", func(b *testing.B) { benchRaw(b, seeder, fetcher, s, data) })
	b.Run("xfer-fetch", func(b *testing.B) { benchFetch(b, seeder, fetcher, s, data) })
}

// benchRaw copies the package's bytes over one stream into a file.
func benchRaw(b *testing.B, seeder, fetcher host.Host, s *manifest.Sealed, data map[manifest.ChunkHash][]byte) {
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
	defer reportCPU(b)()
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
}

// benchFetch fetches the package with a Server and a Fetcher into a file.
func benchFetch(b *testing.B, seeder, fetcher host.Host, s *manifest.Sealed, data map[manifest.ChunkHash][]byte) {
	quiet := WithLogger(slog.New(slog.DiscardHandler))
	store := NewMemStore()
	store.Add(s, data)
	srv, err := NewServer(seeder, store, quiet)
	require.NoError(b, err)
	defer srv.Close()
	f, err := NewFetcher(fetcher, quiet)
	require.NoError(b, err)
	out := benchFile(b)
	b.SetBytes(benchSize)
	defer reportCPU(b)()
	for b.Loop() {
		st, err := f.Fetch(context.Background(), Job{Version: s, Sink: newFileSink(out, s), Providers: providersOf(seeder.ID())})
		require.NoError(b, err)
		require.Equal(b, int64(benchSize), st.Bytes)
	}
}

// reportCPU reports the process CPU time (user and system, both sides of
// the transfer) per MiB moved: a figure that depends less on what else
// the machine runs than MB/s does.
func reportCPU(b *testing.B) func() {
	before := cpuTime(b)
	return func() {
		mib := float64(b.N) * benchSize / (1 << 20)
		b.ReportMetric(float64(cpuTime(b)-before)/float64(time.Millisecond)/mib, "cpu-ms/MiB")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
