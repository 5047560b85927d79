package watch

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/library"
)

// fakeClock is a Clock that moves only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeTimer
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, fakeTimer{at: c.now.Add(d), c: ch})
	return ch
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.c <- c.now
	}
	c.waiters = kept
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// harness runs a Watcher on a temporary directory, publishing into a
// real library, on a fake clock with a settle period of one second.
type harness struct {
	t       *testing.T
	dir     string
	lib     *library.Library
	clock   *fakeClock
	w       *Watcher
	events  chan fsnotify.Event
	checks  chan string
	results chan *library.PublishResult
}

const settle = time.Second

func startHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: filepath.Join(t.TempDir(), "album"), clock: &fakeClock{now: time.Unix(1000, 0)},
		events: make(chan fsnotify.Event, 1000), checks: make(chan string, 100), results: make(chan *library.PublishResult, 100)}
	writeRandom(t, filepath.Join(h.dir, "first.bin"), 1000)
	db, err := home.OpenDB(filepath.Join(t.TempDir(), "p2psb.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	h.lib, err = library.New(db)
	require.NoError(t, err)
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	h.w, err = New(context.Background(), h.dir, Options{
		Publish: func(ctx context.Context) (*library.PublishResult, error) {
			return library.Publish(ctx, h.lib, key, h.dir, library.PublishOptions{})
		},
		Published: func(res *library.PublishResult, err error) {
			require.NoError(t, err)
			h.results <- res
		},
		Settle:  settle,
		Clock:   h.clock,
		onEvent: func(ev fsnotify.Event) { h.events <- ev },
		onCheck: func(o string) { h.checks <- o },
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.w.Close()) })
	first := h.result()
	require.False(t, first.Unchanged)
	require.EqualValues(t, 1, first.Version)
	return h
}

// write writes n random bytes over the start of the package path rel,
// whose directory exists, and waits until the watcher has seen the write.
// It does not truncate, so the write raises exactly one write event.
func (h *harness) write(rel string, n int) {
	h.t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	h.overwrite(rel, data)
}

func (h *harness) overwrite(rel string, data []byte) {
	h.t.Helper()
	path := filepath.Join(h.dir, rel)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(h.t, err)
	_, err = f.Write(data)
	require.NoError(h.t, err)
	require.NoError(h.t, f.Close())
	h.waitEvent(path, fsnotify.Write)
}

// waitEvent waits until the watcher has recorded an event op for path.
func (h *harness) waitEvent(path string, op fsnotify.Op) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-h.events:
			if ev.Name == path && ev.Has(op) {
				return
			}
		case <-deadline:
			h.t.Fatalf("no event for %s", path)
		}
	}
}

// settled moves the clock a settle period at a time until the watcher
// publishes (an event that came late makes it wait once more), and
// returns what it published.
func (h *harness) settled() *library.PublishResult {
	h.t.Helper()
	for i := 0; ; i++ {
		require.Empty(h.t, h.results, "published before it settled")
		h.clock.Advance(settle)
		if h.check() == "publish" {
			return h.result()
		}
		require.Less(h.t, i, 3, "still not settled")
	}
}

func (h *harness) check() string {
	h.t.Helper()
	select {
	case o := <-h.checks:
		return o
	case <-time.After(10 * time.Second):
		h.t.Fatal("no settle check")
		return ""
	}
}

func (h *harness) result() *library.PublishResult {
	h.t.Helper()
	select {
	case r := <-h.results:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatal("no publish")
		return nil
	}
}

// idle checks that nothing was published beyond what the test read and
// that no timer is armed, so nothing more will be.
func (h *harness) idle() {
	h.t.Helper()
	require.Empty(h.t, h.results)
	require.Zero(h.t, h.clock.pending())
}

func writeRandom(t *testing.T, path string, n int) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func TestBurstMakesOneVersion(t *testing.T) {
	h := startHarness(t)
	for _, rel := range []string{"a.bin", "b.bin", "c.bin", "a.bin", "d.bin"} {
		h.write(rel, 2000)
		h.clock.Advance(settle / 5)
	}
	res := h.settled()
	require.False(t, res.Unchanged)
	require.EqualValues(t, 2, res.Version)
	require.Equal(t, 5, res.Files)
	h.idle()
}

// A new directory is watched: a file written into it later is seen.
func TestNewDirectoryIsWatched(t *testing.T) {
	h := startHarness(t)
	sub := filepath.Join(h.dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	h.waitEvent(sub, fsnotify.Create)
	require.True(t, h.settled().Unchanged, "an empty directory is no content")
	require.NoError(t, os.Mkdir(filepath.Join(sub, "deep"), 0o755))
	h.waitEvent(filepath.Join(sub, "deep"), fsnotify.Create)
	h.write("sub/deep/x.bin", 500)
	res := h.settled()
	require.EqualValues(t, 2, res.Version)
	require.Equal(t, 2, res.Files)
	h.idle()
}

// A file appended in steps, each within the settle period of the last,
// is published once, whole, after it stops growing.
func TestSlowWriteWaitsUntilStable(t *testing.T) {
	h := startHarness(t)
	path := filepath.Join(h.dir, "slow.bin")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	h.waitEvent(path, fsnotify.Create)
	chunk := make([]byte, 1000)
	for i := 0; i < 10; i++ {
		_, err := f.Write(chunk)
		require.NoError(t, err)
		h.waitEvent(path, fsnotify.Write)
		h.clock.Advance(settle * 3 / 10)
	}
	require.Empty(t, h.results, "nothing published while the file grows")
	for len(h.checks) > 0 {
		require.Equal(t, "wait", <-h.checks)
	}
	res := h.settled()
	require.EqualValues(t, 2, res.Version)
	require.EqualValues(t, 1000+10000, res.Bytes)
	h.idle()
}

func TestNoVersionWithoutChange(t *testing.T) {
	h := startHarness(t)
	data, err := os.ReadFile(filepath.Join(h.dir, "first.bin"))
	require.NoError(t, err)
	h.overwrite("first.bin", data)
	require.True(t, h.settled().Unchanged)
	p, err := h.lib.Packages(context.Background())
	require.NoError(t, err)
	require.Len(t, p[0].Versions, 1)
	h.idle()
}

// The settle rule alone: a file that moved since its last event, with no
// event for it, is not stable; it is once it stays put a settle period.
func TestSettlerRechecksFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	writeRandom(t, path, 10)
	s := newSettler(settle)
	t0 := time.Unix(0, 0)
	s.seen(path, t0)
	require.Equal(t, settle/2, s.check(t0.Add(settle/2)), "not quiet yet")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte("more"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Equal(t, settle, s.check(t0.Add(settle)), "it grew: wait again")
	require.Zero(t, s.check(t0.Add(2*settle)), "stable")
	require.Len(t, s.take(), 1)
	require.False(t, s.dirty())
}

func TestBadDirectory(t *testing.T) {
	_, err := New(context.Background(), filepath.Join(t.TempDir(), "none"), Options{})
	var ie *library.InputError
	require.ErrorAs(t, err, &ie)
}
