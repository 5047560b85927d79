package library

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// This file holds fixtures for tests and benchmarks of this package and
// of its users: versions of a given shape without their bytes, and
// recording them without reading any file.

// SyntheticVersion seals a version of files files holding chunks chunks of
// 1 MiB in all, with made-up hashes (nothing is read or written through
// it): the shape of a large package without its bytes. Chunk i's hash
// depends on first+i only, so versions can share chunks; the publisher
// key is derived from seed.
func SyntheticVersion(seed byte, first, chunks, files int) (*manifest.Sealed, error) {
	key, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		return nil, err
	}
	m := &manifest.Manifest{Publisher: key.GetPublic(), Name: fmt.Sprintf("synthetic-%d", seed), Version: 1,
		Created: time.Unix(1, 0)}
	for f := 0; f < files; f++ {
		mf := manifest.File{Path: fmt.Sprintf("f%04d.bin", f), Mode: 0o644}
		for c := f; c < chunks; c += files {
			var in [8]byte
			binary.BigEndian.PutUint64(in[:], uint64(first+c))
			mf.Chunks = append(mf.Chunks, manifest.Chunk{Hash: sha256.Sum256(in[:]), Size: 1 << 20})
			mf.Size += 1 << 20
		}
		m.Files = append(m.Files, mf)
	}
	return manifest.Seal(m, key)
}

// RecordComplete records s as a complete version whose files are under
// root, as publishing does, without reading them (they need not exist).
func (l *Library) RecordComplete(ctx context.Context, s *manifest.Sealed, root string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	disk := make(map[string]localFile, len(s.Files))
	for _, f := range s.Files {
		disk[f.Path] = localFile{Abs: filepath.Join(root, filepath.FromSlash(f.Path))}
	}
	if err := insertVersion(ctx, tx, s, root, disk); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordChunkRows records the chunk rows of a version the way p2psb did at
// the start of a fetch before they moved to its completion.
func (l *Library) RecordChunkRows(ctx context.Context, s *manifest.Sealed) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertChunks(ctx, tx, s); err != nil {
		return err
	}
	return tx.Commit()
}

// ChunkRows counts the chunk rows recorded for a version.
func (l *Library) ChunkRows(ctx context.Context, id manifest.VersionID) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pkgshare_chunks WHERE version_id = ?`,
		id.String()).Scan(&n)
	return n, err
}

// PublishHashed publishes dir as Publish does, but with its chunks hashed
// by algo (SHA256: as a p2psb from before BLAKE3 did).
func PublishHashed(ctx context.Context, lib *Library, key crypto.PrivKey, dir, name string, algo manifest.HashAlgo) (*PublishResult, error) {
	root, files, err := scan(dir, scanOptions{})
	if err != nil {
		return nil, err
	}
	hashed, err := hashFiles(ctx, files, algo, nil)
	if err != nil {
		return nil, err
	}
	return lib.addPublished(ctx, key, name, root, hashed, algo, time.Now())
}

// TamperInPlace inverts the byte at off in the file at path and puts its
// modification time back: a change to a published file that its size and
// time do not show.
func TamperInPlace(path string, off int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		f.Close()
		return err
	}
	b[0] = ^b[0]
	if _, err := f.WriteAt(b, off); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chtimes(path, fi.ModTime(), fi.ModTime())
}
