package manifest

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/record"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestSealOpenRoundTrip(t *testing.T) {
	key := testKey(t, 1)
	m := testManifest(key)
	m.Created = testTime.Add(456789 * time.Nanosecond).In(time.FixedZone("X", -7200))
	before := slices.Clone(m.Files)
	s := seal(t, m, key)

	require.Equal(t, before, m.Files, "Seal does not modify its argument")
	require.True(t, slices.IsSortedFunc(s.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) }))
	require.Equal(t, testTime, s.Created, "rounded to the millisecond, UTC")
	require.Equal(t, sha256.Sum256(s.Raw), [32]byte(s.ID))
	wantPkg, err := NewPackageID(key.GetPublic(), "album")
	require.NoError(t, err)
	require.Equal(t, wantPkg, s.PackageID)

	o, err := Open(s.Raw)
	require.NoError(t, err)
	require.Equal(t, s.ID, o.ID)
	require.Equal(t, s.PackageID, o.PackageID)
	require.Equal(t, s.Raw, o.Raw)
	require.True(t, o.Publisher.Equals(key.GetPublic()))
	require.Equal(t, s.Name, o.Name)
	require.Equal(t, s.Version, o.Version)
	require.Equal(t, s.Created, o.Created)
	require.Equal(t, s.Files, o.Files)
	require.Empty(t, o.Warnings)

	again := seal(t, m, key)
	require.Equal(t, s.Raw, again.Raw, "sealing is deterministic")
}

func TestOpenCopiesRaw(t *testing.T) {
	key := testKey(t, 1)
	s := seal(t, testManifest(key), key)
	buf := bytes.Clone(s.Raw)
	o, err := Open(buf)
	require.NoError(t, err)
	buf[0] ^= 0xff
	require.Equal(t, s.Raw, o.Raw)
}

func TestSealKeyMismatch(t *testing.T) {
	key, other := testKey(t, 1), testKey(t, 2)
	_, err := Seal(testManifest(key), other)
	requireInvalid(t, err, ErrBadKey)
	_, err = Seal(testManifest(key), nil)
	requireInvalid(t, err, ErrBadKey)
	_, err = Seal(nil, key)
	requireInvalid(t, err, ErrMalformed)
}

// TestOpenTampered flips every bit position's byte of a sealed manifest in
// turn: no change may be accepted.
func TestOpenTampered(t *testing.T) {
	key := testKey(t, 1)
	s := seal(t, testManifest(key), key)
	for i := range s.Raw {
		raw := bytes.Clone(s.Raw)
		raw[i] ^= 0x01
		_, err := Open(raw)
		require.Error(t, err, "byte %d flipped", i)
		var ie *InvalidError
		require.ErrorAs(t, err, &ie, "byte %d flipped", i)
	}
	// A flip in the payload's file path, past the envelope header, is a
	// signature failure rather than a parse failure.
	at := bytes.Index(s.Raw, []byte("README.txt"))
	require.Positive(t, at)
	raw := bytes.Clone(s.Raw)
	raw[at] = 'r'
	_, err := Open(raw)
	requireInvalid(t, err, ErrBadSignature)
	for n := range len(s.Raw) {
		_, err := Open(s.Raw[:n])
		require.Error(t, err, "truncated to %d bytes", n)
	}
}

func TestOpenWrongSigner(t *testing.T) {
	publisher, other := testKey(t, 1), testKey(t, 2)
	// The payload names publisher as its publisher, but other signs it.
	raw := sealRaw(t, other, EnvelopeDomain, (*Manifest)(nil).Codec(), canonicalPayload(t, publisher))
	_, err := Open(raw)
	ie := requireInvalid(t, err, ErrBadSignature)
	require.Contains(t, ie.Reason, "not by the publisher")
}

func TestOpenRefusesEnvelopes(t *testing.T) {
	key := testKey(t, 1)
	codec := (*Manifest)(nil).Codec()
	good := canonicalPayload(t, key)
	secp, _, err := crypto.GenerateSecp256k1Key(nil)
	require.NoError(t, err)
	unsorted := testManifest(key)
	unsorted.Files[0], unsorted.Files[1] = unsorted.Files[1], unsorted.Files[0]
	unsortedPayload, err := unsorted.MarshalRecord()
	require.NoError(t, err)
	canon := sealRaw(t, key, EnvelopeDomain, codec, good)

	cases := []struct {
		name string
		raw  []byte
		kind error
	}{
		{"empty", nil, ErrMalformed},
		{"garbage", []byte("not a manifest"), ErrMalformed},
		{"too large", make([]byte, MaxManifestSize+1), ErrTooLarge},
		{"other domain", sealRaw(t, key, "libp2p-peer-record", codec, good), ErrBadSignature},
		{"other payload type", sealRaw(t, key, EnvelopeDomain, []byte{0x03, 0x01}, good), ErrMalformed},
		{"secp256k1 signer", sealRaw(t, secp, EnvelopeDomain, codec, good), ErrBadKey},
		{"unknown envelope field", protowire.AppendBytes(protowire.AppendTag(bytes.Clone(canon), 9, protowire.BytesType), []byte("x")), ErrMalformed},
		{"unknown payload field", sealRaw(t, key, EnvelopeDomain, codec,
			protowire.AppendVarint(protowire.AppendTag(bytes.Clone(good), 15, protowire.VarintType), 1)), ErrMalformed},
		{"unsorted files", sealRaw(t, key, EnvelopeDomain, codec, unsortedPayload), ErrMalformed},
		{"payload not protobuf", sealRaw(t, key, EnvelopeDomain, codec, []byte{0xff}), ErrMalformed},
		{"too many files", sealRaw(t, key, EnvelopeDomain, codec, manyFiles(MaxFiles+1)), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.raw)
			requireInvalid(t, err, tc.kind)
		})
	}
	_, err = Open(canon)
	require.NoError(t, err, "the unaltered control case opens")
}

func TestOpenRefusesInvalidContent(t *testing.T) {
	key := testKey(t, 1)
	codec := (*Manifest)(nil).Codec()
	cases := []struct {
		name   string
		change func(m *Manifest)
		kind   error
	}{
		{"bad path", func(m *Manifest) { m.Files[0].Path = "../escape" }, ErrBadPath},
		{"size mismatch", func(m *Manifest) { m.Files[0].Size = 1 }, ErrBadSize},
		{"version 0", func(m *Manifest) { m.Version = 0 }, ErrBadVersion},
		{"bad mode", func(m *Manifest) { m.Files[0].Mode = 0o4755 }, ErrBadMode},
		{"bad name", func(m *Manifest) { m.Name = "a/b" }, ErrBadName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(key)
			slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
			tc.change(m)
			payload, err := m.MarshalRecord()
			require.NoError(t, err)
			_, err = Open(sealRaw(t, key, EnvelopeDomain, codec, payload))
			requireInvalid(t, err, tc.kind)
		})
	}
}

func TestRecordRegistered(t *testing.T) {
	key := testKey(t, 1)
	s := seal(t, testManifest(key), key)
	_, rec, err := record.ConsumeEnvelope(s.Raw, EnvelopeDomain)
	require.NoError(t, err)
	m, ok := rec.(*Manifest)
	require.True(t, ok, "got %T", rec)
	require.Equal(t, s.Files, m.Files)
	require.Equal(t, s.Name, m.Name)
}

// sealRaw signs payload bytes as they are.
func sealRaw(t *testing.T, key crypto.PrivKey, domain string, codec, payload []byte) []byte {
	t.Helper()
	env, err := record.Seal(&rawRecord{domain: domain, codec: codec, payload: payload}, key)
	require.NoError(t, err)
	raw, err := env.Marshal()
	require.NoError(t, err)
	return raw
}

// canonicalPayload is the payload Seal would sign for testManifest(key).
func canonicalPayload(t *testing.T, key crypto.PrivKey) []byte {
	t.Helper()
	var p payload
	require.NoError(t, p.UnmarshalRecord(mustPayload(t, seal(t, testManifest(key), key).Raw)))
	b, err := p.m.MarshalRecord()
	require.NoError(t, err)
	return b
}

func mustPayload(t testing.TB, raw []byte) []byte {
	t.Helper()
	env, err := record.UnmarshalEnvelope(raw)
	require.NoError(t, err)
	return env.RawPayload
}

// manyFiles encodes a payload with n empty file messages.
func manyFiles(n int) []byte {
	b := make([]byte, 0, 2*n)
	for range n {
		b = protowire.AppendBytes(protowire.AppendTag(b, wireManifestFiles, protowire.BytesType), nil)
	}
	return b
}
