package seeder_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
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

var quiet = slog.New(slog.DiscardHandler)
