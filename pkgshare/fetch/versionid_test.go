package fetch_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// A fetch that names a package and a version ID (a ticket does) asks the
// package's providers for that version, and takes no other.
func TestFetchOnlyTheVersionIDAsked(t *testing.T) {
	ctx := context.Background()
	seeder := nodetest.Start(t, 21)
	src := t.TempDir()
	nodetest.WriteRandom(t, filepath.Join(src, "a.bin"), 5000)
	res, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 21), src, library.PublishOptions{Name: "v"})
	require.NoError(t, err)
	other := res.VersionID
	other[0] ^= 1

	for _, tc := range []struct {
		name string
		want manifest.VersionID
		err  string
	}{
		{"the version offered", res.VersionID, ""},
		{"another version", other, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fetcher := nodetest.Start(t, 22)
			target := filepath.Join(t.TempDir(), "out")
			got, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID, Version: 1}, VersionID: tc.want,
				Target: target, Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, res.VersionID, got.VersionID)
				return
			}
			var np *fetch.NoProviderError
			require.ErrorAs(t, err, &np)
			require.ErrorContains(t, err, tc.err)
			require.NoDirExists(t, target, "nothing is written for a version not asked for")
		})
	}
}
