package xfer

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func TestFetchOneSeeder(t *testing.T) {
	cases := []struct {
		name string
		pkg  TestPackage
	}{
		{"random", TestPackage{Files: 3, FileSize: 100_000, ChunkSize: 16 << 10, Seed: 1}},
		{"compressible", TestPackage{Files: 2, FileSize: 50_000, ChunkSize: 8 << 10, Compressible: true, Seed: 2}},
		{"one small chunk", TestPackage{Files: 1, FileSize: 1, ChunkSize: 1, Seed: 3}},
		{"repeated chunks", TestPackage{Files: 3, FileSize: 50_000, ChunkSize: 8 << 10, SameFiles: true, Seed: 4}},
		// The others are BLAKE3, what publish writes; manifests from before
		// it are verified with SHA-256, as their chunk_hash field says.
		{"sha256 manifest", TestPackage{Files: 2, FileSize: 50_000, ChunkSize: 8 << 10, SHA256: true, Seed: 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := newNodes(t, 2, mocknet.LinkOptions{})
			s, data := testPackage(t, tc.pkg)
			nodes[0].store.Add(s, data)
			var last Progress
			st, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{
				Providers: providers(nodes[0]),
				Progress:  func(p Progress) { last = p },
			})
			require.NoError(t, err)
			requireComplete(t, nodes[1].store, s, data)
			var distinct int64 // a repeated chunk is fetched once
			for _, c := range Chunks(&s.Manifest) {
				distinct += int64(c.Size)
			}
			if tc.pkg.SameFiles {
				require.Equal(t, s.Size(), 3*distinct)
			}
			require.Equal(t, distinct, st.Bytes)
			require.Equal(t, map[peer.ID]int64{nodes[0].h.ID(): distinct}, st.PerPeer)
			require.Empty(t, st.BadPeers)
			require.Equal(t, distinct, last.Done)
			require.Equal(t, last.Total, last.Done, "the last progress report is complete")
			if tc.pkg.Compressible {
				require.Less(t, st.Wire, distinct/2, "compressible chunks go as zstd")
			} else {
				require.Equal(t, distinct, st.Wire)
			}
		})
	}
}

// Rate limits hold a fetch to their rate: 512 KiB at 256 KiB/s with a
// 256 KiB burst take at least 1s.
func TestRateLimits(t *testing.T) {
	const rate = 256 << 10
	cases := []struct {
		name     string
		server   []Option
		download []Option
		job      int // Job.Download
	}{
		{"upload", []Option{WithUploadLimit(rate)}, nil, 0},
		{"download", nil, []Option{WithDownloadLimit(rate)}, 0},
		{"one job's download", nil, nil, rate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := newNodes(t, 2, mocknet.LinkOptions{}, tc.download...)
			s, data := testPackage(t, TestPackage{Files: 1, FileSize: 2 * rate, ChunkSize: 32 << 10, Seed: 17})
			nodes[0].store.Add(s, data)
			serveFrom(t, nodes[0], nodes[0].store, tc.server...)
			lim, err := NewDownloadLimit(tc.job)
			require.NoError(t, err)
			start := time.Now()
			_, err = fetchInto(testContext(t, 30*time.Second), nodes[1], s, Job{Providers: providers(nodes[0]), Download: lim})
			require.NoError(t, err)
			require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
			requireComplete(t, nodes[1].store, s, data)
		})
	}
}

// A node serves a version while it is still fetching it: B fetches only
// from A, which is fetching from a rate-limited seeder at the same time,
// and B learns of A's new chunks through its HAVE subscription.
func TestPartialSeeding(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{Latency: time.Millisecond})
	seeder, a, b := nodes[0], nodes[1], nodes[2]
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 512 << 10, ChunkSize: 16 << 10, Seed: 18})
	seeder.store.Add(s, data)
	serveFrom(t, seeder, seeder.store, WithUploadLimit(512<<10))
	a.store.Add(s, nil)
	b.store.Add(s, nil)

	ctx := testContext(t, 30*time.Second)
	type result struct {
		st  *Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := b.f.Fetch(ctx, Job{Version: s, Sink: b.store.Sink(s.ID), Providers: providers(a), Notify: b.srv})
		done <- result{st, err}
	}()
	stA, err := a.f.Fetch(ctx, Job{Version: s, Sink: a.store.Sink(s.ID), Providers: providers(seeder), Notify: a.srv})
	require.NoError(t, err)
	require.Equal(t, s.Size(), stA.Bytes)
	r := <-done
	require.NoError(t, r.err)
	requireComplete(t, b.store, s, data)
	require.Equal(t, map[peer.ID]int64{a.h.ID(): s.Size()}, r.st.PerPeer)
}

// recordLogs is a slog handler sending "msg request" of each record to ch.
type recordLogs struct{ ch chan string }

func (h recordLogs) Enabled(context.Context, slog.Level) bool { return true }
func (h recordLogs) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordLogs) WithGroup(string) slog.Handler            { return h }
func (h recordLogs) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "request" {
			line += " " + a.Value.String()
		}
		return true
	})
	select {
	case h.ch <- line:
	default:
	}
	return nil
}

// A completed fetch ends its HAVE subscription with Close, not Reset: the
// partial holder's server sees the stream close cleanly.
func TestFetchEndsSubscriptionCleanly(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 64 << 10, ChunkSize: 4 << 10, Seed: 19})
	half := map[manifest.ChunkHash][]byte{}
	for _, c := range Chunks(&s.Manifest)[:8] {
		half[c.Hash] = data[c.Hash]
	}
	nodes[0].store.Add(s, data)
	nodes[1].store.Add(s, half)
	logs := make(chan string, 100)
	serveFrom(t, nodes[1], nodes[1].store, WithLogger(slog.New(recordLogs{logs})))
	_, err := fetchInto(testContext(t, 20*time.Second), nodes[2], s, Job{Providers: providers(nodes[0], nodes[1])})
	require.NoError(t, err)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line := <-logs:
			require.NotContains(t, line, "stream failed")
			if line == "xfer: stream closed have" {
				return
			}
		case <-deadline:
			t.Fatal("the HAVE subscription did not close")
		}
	}
}
