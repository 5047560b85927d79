package xfer

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// seedStep is one event seen by a seeder's rule: a chunk stream opening
// (join) or closing (leave), a request (ask) and whether it is deferred,
// a body sent in full (sent) or not sent after all (unsent, a failed
// read), or the clock moving on (wait).
type seedStep struct {
	op    string // join, joinOld (without elsewhere_ok), leave, ask, sent, unsent, wait
	peer  string
	chunk int
	want  bool // ask: STATUS_ELSEWHERE expected
	wait  time.Duration
}

func TestSeedingRule(t *testing.T) {
	ask := func(p string, i int, deferred bool) seedStep {
		return seedStep{op: "ask", peer: p, chunk: i, want: deferred}
	}
	sent := func(p string, i int) seedStep { return seedStep{op: "sent", peer: p, chunk: i} }
	join := func(p string) seedStep { return seedStep{op: "join", peer: p} }
	cases := []struct {
		name  string
		steps []seedStep
	}{
		{"a lone fetcher is never deferred", []seedStep{
			join("a"), ask("a", 0, false), sent("a", 0), ask("a", 0, false), ask("a", 1, false),
		}},
		{"another peer is deferred while the first copy spreads", []seedStep{
			join("a"), join("b"), ask("a", 0, false), ask("b", 0, true), sent("a", 0),
			ask("b", 0, true), ask("b", 1, false), ask("a", 1, true),
		}},
		{"the first receiver may ask again", []seedStep{
			join("a"), join("b"), ask("a", 0, false), ask("a", 0, false),
		}},
		{"served once the first copy had time to spread", []seedStep{
			join("a"), join("b"), ask("a", 0, false), sent("a", 0), {op: "wait", wait: spreadTime - 1},
			ask("b", 0, true), {op: "wait", wait: 1}, ask("b", 0, false), sent("b", 0), ask("b", 0, false),
		}},
		{"chunks nobody asks for hold nothing up", []seedStep{
			join("a"), join("b"), ask("a", 0, false), sent("a", 0), ask("b", 1, false), sent("b", 1),
			{op: "wait", wait: spreadTime}, ask("a", 1, false), ask("b", 0, false),
		}},
		{"a client without elsewhere_ok is served", []seedStep{
			join("a"), {op: "joinOld", peer: "b"}, ask("a", 0, false), ask("b", 0, false),
		}},
		{"a first copy lost with its stream is handed out again", []seedStep{
			join("a"), join("b"), join("c"), ask("a", 0, false), {op: "leave", peer: "a"},
			ask("b", 0, false), ask("c", 0, true),
		}},
		{"a first copy whose read failed is handed out again", []seedStep{
			join("a"), join("b"), join("c"), ask("a", 0, false), {op: "unsent", peer: "a", chunk: 0},
			ask("b", 0, false), ask("c", 0, true), sent("b", 0), {op: "unsent", peer: "b", chunk: 0},
			ask("c", 0, true),
		}},
		{"a chunk whose first receiver left is handed out again", []seedStep{
			join("a"), join("b"), join("c"), ask("a", 0, false), sent("a", 0), ask("b", 0, true),
			{op: "leave", peer: "a"}, ask("b", 0, false), sent("b", 0), ask("c", 0, true),
		}},
		{"a first copy under way too long is served to others", []seedStep{
			join("a"), join("b"), ask("a", 0, false), {op: "wait", wait: handoutStale}, ask("b", 0, false),
		}},
		{"a chunk not in the version is left to the store", []seedStep{
			join("a"), join("b"), ask("a", 0, false), ask("b", -1, false), ask("a", -1, false),
		}},
	}
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 40, ChunkSize: 10, Seed: 70})
	chunks := Chunks(&s.Manifest)
	store := NewMemStore()
	store.Add(s, data)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sd seeding
			streams := map[string]*seedStream{}
			now := time.Now()
			for k, st := range tc.steps {
				var h manifest.ChunkHash // chunk -1: a hash not in the version
				if st.chunk >= 0 {
					h = chunks[st.chunk].Hash
				}
				switch st.op {
				case "join", "joinOld":
					streams[st.peer] = sd.join(context.Background(), store, s.ID, peer.ID(st.peer), st.op == "join")
					require.NotNil(t, streams[st.peer])
				case "leave":
					sd.leave(streams[st.peer])
				case "ask":
					require.Equal(t, st.want, streams[st.peer].handOut(h, now), "step %d", k)
				case "sent":
					streams[st.peer].sent(h, now)
				case "unsent":
					streams[st.peer].unsent(h)
				case "wait":
					now = now.Add(st.wait)
				}
			}
		})
	}
}

func TestSeedingOnlyWholeVersions(t *testing.T) {
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 40, ChunkSize: 10, Seed: 71})
	partial := map[manifest.ChunkHash][]byte{}
	for _, c := range Chunks(&s.Manifest)[:3] {
		partial[c.Hash] = data[c.Hash]
	}
	store := NewMemStore()
	store.Add(s, partial)
	var sd seeding
	require.Nil(t, sd.join(context.Background(), store, s.ID, "a", true), "a node still fetching rations nothing")
	var unknown manifest.VersionID
	require.Nil(t, sd.join(context.Background(), store, unknown, "a", true))
	store.Add(s, data)
	a := sd.join(context.Background(), store, s.ID, "a", true)
	require.NotNil(t, a)
	sd.leave(a)
	require.Empty(t, sd.swarms, "the state goes with the last stream")
}

// countDeferrals counts the STATUS_ELSEWHERE answers of n's server and
// closes first at the first one.
func countDeferrals(n *node) (count *atomic.Int64, first <-chan struct{}) {
	count = new(atomic.Int64)
	ch := make(chan struct{})
	n.srv.seed.onDefer = func() {
		if count.Add(1) == 1 {
			close(ch)
		}
	}
	return count, ch
}

// A lone fetcher never asks for a chunk another peer got: nothing is
// deferred and the seeder sends exactly one copy.
func TestSeedingLoneFetcher(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{Bandwidth: 8 << 20})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 512 << 10, ChunkSize: 16 << 10, Seed: 72})
	seeder := nodes[0]
	seeder.store.Add(s, data)
	serveFrom(t, seeder, seeder.store, WithUploadLimit(4<<20))
	deferred, _ := countDeferrals(seeder)
	_, err := fetchInto(testContext(t, 30*time.Second), nodes[1], s, Job{Providers: providers(seeder)})
	require.NoError(t, err)
	requireComplete(t, nodes[1].store, s, data)
	require.Zero(t, deferred.Load())
	require.Equal(t, s.Size(), seeder.srv.Sent())
}

// A fetcher whose only source defers every chunk it asks for (another
// peer got them all, and the two do not know each other) still completes:
// each deferral ends once the chunk had time to spread, and the fetcher
// asks again after its back-off. The chunk nobody asks for (the fetcher
// holds it already) holds nothing up.
func TestSeedingOnlySourceDefers(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 256 << 10, ChunkSize: 16 << 10, Seed: 73})
	seeder, other, fetcher := nodes[0], nodes[1], nodes[2]
	seeder.store.Add(s, data)
	seeder.srv.seed.spread = 500 * time.Millisecond
	deferred, _ := countDeferrals(seeder)
	chunks := Chunks(&s.Manifest)
	last := chunks[len(chunks)-1]

	// The fetcher already holds the last chunk; the other peer takes every
	// other chunk on a stream it keeps open.
	fetcher.store.Add(s, map[manifest.ChunkHash][]byte{last.Hash: data[last.Hash]})
	c := rawStream(t, other, seeder, &pb.Request{Kind: &pb.Request_GetChunks{
		GetChunks: &pb.GetChunks{VersionId: s.ID[:], ElsewhereOk: true}}})
	getChunks(t, c, chunks[:len(chunks)-1]...)

	job := Job{Version: s, Sink: fetcher.store.Sink(s.ID), Providers: providers(seeder)}
	_, err := fetcher.f.Fetch(testContext(t, 30*time.Second), job)
	require.NoError(t, err)
	requireComplete(t, fetcher.store, s, data)
	require.Positive(t, deferred.Load())
	require.Equal(t, 2*(s.Size()-int64(last.Size)), seeder.srv.Sent(), "one copy each, nothing more")
}

// getChunks asks for chunks on chunk stream c and reads them in full.
func getChunks(t *testing.T, c *wire, chunks ...manifest.Chunk) {
	t.Helper()
	for _, ch := range chunks {
		require.NoError(t, c.write(&pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size}))
	}
	require.NoError(t, c.flush())
	for range chunks {
		var hdr pb.ChunkHeader
		require.NoError(t, c.read(&hdr, maxControlMsg))
		require.Equal(t, pb.Status_STATUS_OK, hdr.Status)
		require.NoError(t, c.readBody(context.Background(), make([]byte, hdr.Length), nil))
	}
}

// One seeder whose upload is the bottleneck and fetchers that all start at
// once: the seeder sends close to one copy, the fetchers trade the rest.
func TestSeedingOneCopy(t *testing.T) {
	const fetchers = 8
	nodes := newNodes(t, fetchers+1, mocknet.LinkOptions{Latency: time.Millisecond, Bandwidth: 8 << 20})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 1 << 20, ChunkSize: 16 << 10, Seed: 74})
	seeder := nodes[0]
	seeder.store.Add(s, data)
	serveFrom(t, seeder, seeder.store, WithUploadLimit(512<<10))
	deferred, _ := countDeferrals(seeder)

	ctx := testContext(t, 60*time.Second)
	var g errgroup.Group
	for _, n := range nodes[1:] {
		n.store.Add(s, nil)
		g.Go(func() error {
			_, err := fetchInto(ctx, n, s, Job{Providers: providers(nodes...)})
			return err
		})
	}
	require.NoError(t, g.Wait())
	for _, n := range nodes[1:] {
		requireComplete(t, n.store, s, data)
	}
	copies := float64(seeder.srv.Sent()) / float64(s.Size())
	t.Logf("seeder sent %.2f copies, deferred %d requests", copies, deferred.Load())
	// Without one-copy seeding each fetcher would take most of its copy
	// from the seeder (several copies in all). A chunk whose first receiver
	// is slow to pass it on is handed out again, which a loaded machine
	// (the race detector, other tests) does more often: 1.31 copies seen.
	require.Less(t, copies, 1.5)
	require.Positive(t, deferred.Load())
}

// failFirstRead fails its first chunk read as if the file had changed.
type failFirstRead struct {
	*MemStore
	failed atomic.Bool
}

func (f *failFirstRead) ReadChunk(ctx context.Context, id manifest.VersionID, h manifest.ChunkHash, buf []byte) error {
	if f.failed.CompareAndSwap(false, true) {
		return ErrChanged
	}
	return f.MemStore.ReadChunk(ctx, id, h, buf)
}

// A chunk whose read fails on the stream it was handed to is not left to
// that stream's peer: the next peer to ask is served it.
func TestSeedingFailedReadHandsOutAgain(t *testing.T) {
	nodes := newNodes(t, 1, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 40, ChunkSize: 10, Seed: 72})
	nodes[0].store.Add(s, data)
	store := &failFirstRead{MemStore: nodes[0].store}
	serveFrom(t, nodes[0], store)
	srv, ctx := nodes[0].srv, context.Background()
	a := srv.seed.join(ctx, store, s.ID, "a", true)
	b := srv.seed.join(ctx, store, s.ID, "b", true)
	c := Chunks(&s.Manifest)[0]
	req := &pb.ChunkRequest{Hash: c.Hash[:], Size: c.Size}
	ra := srv.prepare(ctx, s.ID, a, req)
	require.Equal(t, pb.Status_STATUS_NOT_FOUND, ra.hdr.Status)
	rb := srv.prepare(ctx, s.ID, b, req)
	defer rb.release()
	require.Equal(t, pb.Status_STATUS_OK, rb.hdr.Status)
	require.Equal(t, data[c.Hash], rb.body)
}

// The swarm's count of copies sent, logged when its last stream leaves,
// keeps the copies of chunks handed out again after their first receiver
// left.
func TestSeedingCountsCopies(t *testing.T) {
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 40, ChunkSize: 10, Seed: 73})
	store := NewMemStore()
	store.Add(s, data)
	h := Chunks(&s.Manifest)[0].Hash
	var sd seeding
	now := time.Now()
	a := sd.join(context.Background(), store, s.ID, "a", true)
	b := sd.join(context.Background(), store, s.ID, "b", true)
	require.False(t, a.handOut(h, now))
	a.sent(h, now)
	require.True(t, b.handOut(h, now))
	ended, _, _ := sd.leave(a)
	require.False(t, ended)
	require.False(t, b.handOut(h, now), "its first receiver left")
	b.sent(h, now)
	ended, sent, deferred := sd.leave(b)
	require.True(t, ended)
	require.Equal(t, 2, sent)
	require.Equal(t, 1, deferred)
}
