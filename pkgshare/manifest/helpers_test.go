package manifest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"
)

// testTime is the fixed creation time of test manifests.
var testTime = time.Date(2025, 11, 21, 4, 55, 0, 123e6, time.UTC)

// testKey returns a deterministic Ed25519 key derived from seed.
func testKey(t testing.TB, seed byte) crypto.PrivKey {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 32)))
	require.NoError(t, err)
	return key
}

// chunkOf describes data as one chunk.
func chunkOf(data string, compressible bool) Chunk {
	return Chunk{Hash: sha256.Sum256([]byte(data)), Size: uint32(len(data)), Compressible: compressible}
}

// testFiles returns a small, valid, unsorted file list.
func testFiles() []File {
	return []File{
		{Path: "tracks/02 second.flac", Size: 11, Mode: 0o644, Chunks: []Chunk{chunkOf("hello", false), chunkOf(" world", false)}},
		{Path: "README.txt", Size: 4, Mode: 0o644, Chunks: []Chunk{chunkOf("read", true)}},
		{Path: "bin/run.sh", Size: 9, Mode: 0o755, Chunks: []Chunk{chunkOf("#!/bin/sh", true)}},
		{Path: "empty", Size: 0, Mode: 0o600},
		{Path: "tracks/01 first.flac", Size: 5, Mode: 0o644, Chunks: []Chunk{chunkOf("hello", false)}},
	}
}

// testManifest returns a valid version-1 manifest published by key.
func testManifest(key crypto.PrivKey) *Manifest {
	return &Manifest{Publisher: key.GetPublic(), Name: "album", Version: 1, Created: testTime, Files: testFiles()}
}

// seal seals m with key and fails the test on error.
func seal(t testing.TB, m *Manifest, key crypto.PrivKey) *Sealed {
	t.Helper()
	s, err := Seal(m, key)
	require.NoError(t, err)
	return s
}

// requireInvalid checks that err is an *InvalidError of the given kind that
// marks itself as bad input.
func requireInvalid(t testing.TB, err error, kind error) *InvalidError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var ie *InvalidError
	require.True(t, errors.As(err, &ie), "want *InvalidError, got %T: %v", err, err)
	var marker interface{ InvalidInput() bool }
	require.True(t, errors.As(err, &marker) && marker.InvalidInput())
	require.NotEmpty(t, ie.Error())
	return ie
}

// rawRecord signs arbitrary payload bytes, to build envelopes Seal refuses
// to make.
type rawRecord struct {
	domain  string
	codec   []byte
	payload []byte
}

func (r *rawRecord) Domain() string                 { return r.domain }
func (r *rawRecord) Codec() []byte                  { return r.codec }
func (r *rawRecord) MarshalRecord() ([]byte, error) { return r.payload, nil }
func (r *rawRecord) UnmarshalRecord(b []byte) error { r.payload = b; return nil }
