package manifest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
)

// Sealed is a signed manifest together with the IDs derived from it.
type Sealed struct {
	Manifest
	ID        VersionID // SHA-256 of Raw
	PackageID PackageID // derived from Publisher and Name
	Raw       []byte    // the envelope bytes, as stored and sent on the wire
	Warnings  []string  // accepted oddities, e.g. paths that collide after case folding
}

// Seal validates m, sorts a copy of its files by path, rounds Created to
// the millisecond in UTC, and signs it with key, which must be the private
// key of m.Publisher. m itself is not modified.
func Seal(m *Manifest, key crypto.PrivKey) (*Sealed, error) {
	if m == nil {
		return nil, invalid(ErrMalformed, "manifest", "", "nil manifest")
	}
	if key == nil {
		return nil, invalid(ErrBadKey, "key", "", "missing private key")
	}
	cp := *m
	cp.Files = slices.Clone(m.Files)
	slices.SortStableFunc(cp.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	if !m.Created.IsZero() {
		cp.Created = time.UnixMilli(m.Created.UnixMilli()).UTC()
	}
	warnings, err := cp.check()
	if err != nil {
		return nil, err
	}
	if !key.GetPublic().Equals(cp.Publisher) {
		return nil, invalid(ErrBadKey, "key", "", "the signing key is not the publisher's")
	}
	env, err := record.Seal(&payload{m: &cp}, key)
	if err != nil {
		return nil, fmt.Errorf("seal %s version %d: %w", cp.Name, cp.Version, err)
	}
	raw, err := env.Marshal()
	if err != nil {
		return nil, fmt.Errorf("seal %s version %d: marshal envelope: %w", cp.Name, cp.Version, err)
	}
	if len(raw) > MaxManifestSize {
		return nil, invalid(ErrTooLarge, "manifest", "", "%d bytes sealed; the limit is %d", len(raw), MaxManifestSize)
	}
	return newSealed(cp, raw, warnings)
}

// Open checks untrusted envelope bytes completely (size, encoding,
// signature, signer = publisher, every manifest rule) and returns the sealed
// manifest. Raw in the result is a copy of raw.
func Open(raw []byte) (*Sealed, error) {
	if len(raw) > MaxManifestSize {
		return nil, invalid(ErrTooLarge, "manifest", "", "%d bytes; the limit is %d", len(raw), MaxManifestSize)
	}
	env, err := record.UnmarshalEnvelope(raw)
	if err != nil {
		return nil, invalid(ErrMalformed, "envelope", "", "%v", err)
	}
	if err := checkEnvelope(env, raw); err != nil {
		return nil, err
	}
	var p payload
	if _, err := record.ConsumeTypedEnvelope(raw, &p); err != nil {
		var ie *InvalidError
		if errors.As(err, &ie) {
			return nil, ie
		}
		return nil, invalid(ErrBadSignature, "signature", "", "%v", err)
	}
	if !env.PublicKey.Equals(p.m.Publisher) {
		return nil, invalid(ErrBadSignature, "signature", "", "signed by %s, not by the publisher %s",
			keyName(env.PublicKey), keyName(p.m.Publisher))
	}
	return newSealed(*p.m, bytes.Clone(raw), p.warnings)
}

// checkEnvelope checks what can be checked before the signature: payload
// type, signer key type and canonical encoding.
func checkEnvelope(env *record.Envelope, raw []byte) error {
	if want := (*Manifest)(nil).Codec(); !bytes.Equal(env.PayloadType, want) {
		return invalid(ErrMalformed, "envelope", "", "payload type %x is not a p2psb manifest (%x)", env.PayloadType, want)
	}
	if err := checkPublisher(env.PublicKey); err != nil {
		return atSigner(err)
	}
	again, err := env.Marshal()
	if err != nil || !bytes.Equal(again, raw) {
		return invalid(ErrMalformed, "envelope", "", "not in canonical encoding")
	}
	return nil
}

// atSigner relabels a publisher key error as one about the envelope signer.
func atSigner(err error) error {
	var ie *InvalidError
	if errors.As(err, &ie) {
		cp := *ie
		cp.Field = "signer"
		return &cp
	}
	return err
}

func newSealed(m Manifest, raw []byte, warnings []string) (*Sealed, error) {
	pkg, err := m.PackageID()
	if err != nil {
		return nil, err
	}
	return &Sealed{Manifest: m, ID: sha256.Sum256(raw), PackageID: pkg, Raw: raw, Warnings: warnings}, nil
}

// keyName prints a public key as the peer ID it belongs to.
func keyName(k crypto.PubKey) string {
	id, err := peer.IDFromPublicKey(k)
	if err != nil {
		return "an unknown key"
	}
	return id.String()
}
