package seeder_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/seeder"
)

// openLibrary opens a new library in a temporary directory.
func openLibrary(tb testing.TB) *library.Library {
	tb.Helper()
	db, err := home.OpenDB(filepath.Join(tb.TempDir(), "p2psb.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	lib, err := library.New(db)
	require.NoError(tb, err)
	return lib
}

// publish publishes dir into lib as package name.
func publish(tb testing.TB, lib *library.Library, dir, name string) *library.Version {
	tb.Helper()
	ctx := context.Background()
	res, err := library.Publish(ctx, lib, nodetest.Key(tb, 1), dir, library.PublishOptions{Name: name})
	require.NoError(tb, err)
	v, err := lib.VersionByID(ctx, res.VersionID)
	require.NoError(tb, err)
	return v
}

// seedFile publishes one file of size random bytes as package name in a
// new library and returns a seeder of it (closed at the end of the test),
// the version and the file's path.
func seedFile(tb testing.TB, name string, size int) (*seeder.Seeder, *library.Version, string) {
	tb.Helper()
	lib := openLibrary(tb)
	dir := tb.TempDir()
	path := filepath.Join(dir, "a.bin")
	nodetest.WriteRandom(tb, path, size)
	v := publish(tb, lib, dir, name)
	s := seeder.New(lib, quiet)
	tb.Cleanup(func() { require.NoError(tb, s.Close()) })
	return s, v, path
}

// hostPair returns two linked and connected mocknet hosts.
func hostPair(t *testing.T) (a, b host.Host) {
	t.Helper()
	mn := mocknet.New()
	t.Cleanup(func() { _ = mn.Close() })
	a, err := mn.GenPeer()
	require.NoError(t, err)
	b, err = mn.GenPeer()
	require.NoError(t, err)
	require.NoError(t, mn.LinkAll())
	require.NoError(t, mn.ConnectAllButSelf())
	return a, b
}

// logBuffer collects JSON log lines and signals each write.
type logBuffer struct {
	mu    sync.Mutex
	lines []map[string]any
	wrote chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{wrote: make(chan struct{}, 1)} }

// Write implements io.Writer for slog.NewJSONHandler, which writes one
// record per call.
func (l *logBuffer) Write(p []byte) (int, error) {
	var rec map[string]any
	if err := json.Unmarshal(p, &rec); err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.lines = append(l.lines, rec)
	l.mu.Unlock()
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

// find returns the first record whose attributes include want.
func (l *logBuffer) find(want map[string]any) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, rec := range l.lines {
		for k, v := range want {
			if rec[k] != v {
				continue next
			}
		}
		return rec
	}
	return nil
}

// waitFor waits up to 30s for a record whose attributes include want.
func (l *logBuffer) waitFor(t *testing.T, want map[string]any) map[string]any {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if rec := l.find(want); rec != nil {
			return rec
		}
		select {
		case <-l.wrote:
		case <-deadline:
			t.Fatalf("no log record with %v", want)
		}
	}
}

var quiet = slog.New(slog.DiscardHandler)
