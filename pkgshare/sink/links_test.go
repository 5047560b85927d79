package sink

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// linkCase is a version of two files, a.bin and sub/x.bin, whose chunks a
// library can copy from a complete version of the same files (src).
type linkCase struct {
	lib    *library.Library
	sealed *manifest.Sealed
	data   map[manifest.ChunkHash][]byte
}

func newLinkCase(t *testing.T) linkCase {
	t.Helper()
	ctx := context.Background()
	src := t.TempDir()
	for name, n := range map[string]int{"a.bin": 3000, "sub/x.bin": 2000} {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, name), b, 0o644))
	}
	lib, db := openTestLibrary(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	key, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	require.NoError(t, err)
	res, err := library.Publish(ctx, lib, key, src, library.PublishOptions{Name: "source"})
	require.NoError(t, err)
	v, err := lib.VersionByID(ctx, res.VersionID)
	require.NoError(t, err)
	m := v.Sealed.Manifest
	m.Name, m.Created = "fetched", time.Now()
	s, err := manifest.Seal(&m, key)
	require.NoError(t, err)
	c := linkCase{lib: lib, sealed: s, data: map[manifest.ChunkHash][]byte{}}
	for _, f := range s.Files {
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f.Path)))
		require.NoError(t, err)
		for _, ch := range f.Chunks {
			c.data[ch.Hash], b = b[:ch.Size], b[ch.Size:]
		}
	}
	return c
}

// fetch writes the version into target as a fetch does, from the
// network (WriteChunk) or by local copy; mid runs once the sink is open.
func (c linkCase) fetch(t *testing.T, target string, local bool, mid func()) error {
	ctx := context.Background()
	k, err := Open(ctx, c.lib, c.sealed, target, Options{}, slog.Default())
	if err != nil {
		return err
	}
	defer k.Close()
	if mid != nil {
		mid()
	}
	if local {
		plan, err := k.PlanLocal(ctx)
		require.NoError(t, err)
		require.Len(t, plan, len(c.data), "every chunk is copied")
		if _, err := k.CopyLocal(ctx, plan); err != nil {
			return err
		}
		if err := k.Release(); err != nil {
			return err
		}
	} else {
		for h, b := range c.data {
			if err := k.WriteChunk(ctx, h, b); err != nil {
				return err
			}
		}
	}
	return k.Complete(ctx)
}

// TestSymlinkEscape has an attacker who controls the target tree plant a
// symbolic link on each path a fetch writes, before the fetch or while it
// runs, and checks that the fetch fails naming the link, and that the
// victim files outside the target are untouched.
func TestSymlinkEscape(t *testing.T) { testSymlinkEscape(t) }

func testSymlinkEscape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, target, ver, victim string) // ver: the version's partial directory
		mid    func(t *testing.T, target, ver, victim string)
		link   string // under the target, named in the error
	}{
		{name: "partial directory", link: PartialDir,
			before: func(t *testing.T, target, ver, victim string) {
				symlink(t, filepath.Dir(victim), filepath.Join(target, PartialDir))
			}},
		{name: "version directory", link: filepath.Join(PartialDir, "VER"),
			before: func(t *testing.T, target, ver, victim string) {
				require.NoError(t, os.Mkdir(filepath.Dir(ver), 0o700))
				symlink(t, filepath.Dir(victim), ver)
			}},
		{name: "partial file", link: filepath.Join(PartialDir, "VER", "f0000000"),
			before: func(t *testing.T, target, ver, victim string) {
				require.NoError(t, os.MkdirAll(ver, 0o700))
				symlink(t, victim, filepath.Join(ver, "f0000000"))
			}},
		{name: "partial file planted while fetching", link: filepath.Join(PartialDir, "VER", "f0000001"),
			mid: func(t *testing.T, target, ver, victim string) {
				symlink(t, victim, filepath.Join(ver, "f0000001"))
			}},
		{name: "final file", link: "a.bin",
			before: func(t *testing.T, target, ver, victim string) {
				symlink(t, victim, filepath.Join(target, "a.bin"))
			}},
		{name: "subdirectory of a package file", link: "sub",
			before: func(t *testing.T, target, ver, victim string) {
				symlink(t, filepath.Dir(victim), filepath.Join(target, "sub"))
			}},
		{name: "final file planted before the rename", link: filepath.Join("sub", "x.bin"),
			mid: func(t *testing.T, target, ver, victim string) {
				require.NoError(t, os.Mkdir(filepath.Join(target, "sub"), 0o755))
				symlink(t, victim, filepath.Join(target, "sub", "x.bin"))
			}},
		{name: "partial directory swapped while fetching", link: PartialDir,
			mid: func(t *testing.T, target, ver, victim string) {
				require.NoError(t, os.Rename(filepath.Join(target, PartialDir), filepath.Join(target, "moved")))
				symlink(t, filepath.Dir(victim), filepath.Join(target, PartialDir))
			}},
	} {
		bothWays(t, tc.name, func(t *testing.T, local bool) {
			c := newLinkCase(t)
			target := t.TempDir()
			ver := filepath.Join(target, PartialDir, c.sealed.ID.String())
			victim := filepath.Join(t.TempDir(), "victim.txt")
			require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o640))
			var mid func()
			if tc.before != nil {
				tc.before(t, target, ver, victim)
			}
			if tc.mid != nil {
				mid = func() { tc.mid(t, target, ver, victim) }
			}

			err := c.fetch(t, target, local, mid)
			link := filepath.Join(target, strings.ReplaceAll(tc.link, "VER", c.sealed.ID.String()))
			require.ErrorContains(t, err, link+": is a symbolic link")
			got, err := os.ReadFile(victim)
			require.NoError(t, err)
			require.Equal(t, "precious", string(got), "the victim is untouched")
			fi, err := os.Stat(victim)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "the victim's mode is untouched")
			entries, err := os.ReadDir(filepath.Dir(victim))
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing is written beside the victim")
			for _, f := range c.sealed.Files {
				if fi, err := os.Lstat(filepath.Join(target, filepath.FromSlash(f.Path))); err == nil &&
					!fi.Mode().IsRegular() {
					require.Equal(t, link, filepath.Join(target, f.Path),
						"only the attacker's own link is at a final path")
				}
			}
		})
	}
}

// bothWays runs test as subtest name twice: with every chunk fetched
// (local false), and with every chunk copied from the library.
func bothWays(t *testing.T, name string, test func(t *testing.T, local bool)) {
	t.Helper()
	t.Run(name, func(t *testing.T) { test(t, false) })
	t.Run(name+" (local copy)", func(t *testing.T) { test(t, true) })
}

func symlink(t *testing.T, old, new string) {
	t.Helper()
	require.NoError(t, os.Symlink(old, new))
}

// TestOpenRefusesASecondFetch opens the sink of a version twice in one
// target: the second fails at once naming the target, until the first
// is closed.
func TestOpenRefusesASecondFetch(t *testing.T) {
	ctx := context.Background()
	c := newLinkCase(t)
	target := t.TempDir()
	k, err := Open(ctx, c.lib, c.sealed, target, Options{}, slog.Default())
	require.NoError(t, err)
	_, err = Open(ctx, c.lib, c.sealed, target, Options{}, slog.Default())
	require.ErrorIs(t, err, ErrRunning)
	require.ErrorContains(t, err, target)
	require.NoError(t, k.Close())

	k, err = Open(ctx, c.lib, c.sealed, target, Options{}, slog.Default())
	require.NoError(t, err, "the lock went with the first fetch")
	for h, b := range c.data {
		require.NoError(t, k.WriteChunk(ctx, h, b))
	}
	require.NoError(t, k.Complete(ctx))
	require.NoError(t, k.Close())
	_, err = Open(ctx, c.lib, c.sealed, target, Options{}, slog.Default())
	require.ErrorIs(t, err, library.ErrHaveVersion)
	require.NoDirExists(t, filepath.Join(target, PartialDir), "a fetch with nothing to do leaves nothing")
}
