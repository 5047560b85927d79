package manifest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestHashAlgoSum(t *testing.T) {
	// The answers of sha256sum and b3sum (BLAKE3's reference command).
	require.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", SHA256.Sum([]byte("abc")).String())
	require.Equal(t, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85", BLAKE3.Sum([]byte("abc")).String())
	require.False(t, HashAlgo(2).Known())
	require.Panics(t, func() { HashAlgo(2).Sum(nil) })
}

func TestOpenChunkHashField(t *testing.T) {
	key := testKey(t, 1)
	codec := (*Manifest)(nil).Codec()
	good := canonicalPayload(t, key)
	withAlgo := func(n uint64) []byte {
		return sealRaw(t, key, EnvelopeDomain, codec,
			protowire.AppendVarint(protowire.AppendTag(bytes.Clone(good), 7, protowire.VarintType), n))
	}

	s, err := Open(sealRaw(t, key, EnvelopeDomain, codec, good))
	require.NoError(t, err)
	require.Equal(t, SHA256, s.HashAlgo, "a manifest without the field is SHA-256")

	s, err = Open(withAlgo(1))
	require.NoError(t, err)
	require.Equal(t, BLAKE3, s.HashAlgo)

	for _, n := range []uint64{2, 256, 1<<31 - 1} {
		_, err = Open(withAlgo(n))
		ie := requireInvalid(t, err, ErrMalformed)
		require.Equal(t, "chunk_hash", ie.Field, "value %d", n)
	}
	// Zero written out is not the canonical encoding of SHA-256, nor is a
	// value past int32 that protobuf truncates to a known one.
	for _, n := range []uint64{0, 1<<32 + 1} {
		_, err = Open(withAlgo(n))
		requireInvalid(t, err, ErrMalformed)
	}
}

func TestSealRefusesUnknownHashAlgo(t *testing.T) {
	key := testKey(t, 1)
	m := testManifest(key)
	m.HashAlgo = 9
	_, err := Seal(m, key)
	ie := requireInvalid(t, err, ErrMalformed)
	require.Equal(t, "chunk_hash", ie.Field)
}
