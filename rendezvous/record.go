package rendezvous

import (
	"fmt"
	"math"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// signedRecord is a verified signed peer record.
type signedRecord struct {
	peer  peer.ID
	seq   uint64
	addrs []ma.Multiaddr
	raw   []byte // the envelope as received
}

// verifyRecord checks that raw is a record.Envelope holding a peer.PeerRecord
// whose signature verifies, whose signing key is the record's peer, and that
// has at most maxAddrs addresses.
func verifyRecord(raw []byte, maxAddrs int) (signedRecord, error) {
	var rec peer.PeerRecord
	env, err := record.ConsumeTypedEnvelope(raw, &rec)
	if err != nil {
		return signedRecord{}, fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	signer, err := peer.IDFromPublicKey(env.PublicKey)
	if err != nil {
		return signedRecord{}, fmt.Errorf("%w: signing key: %w", ErrInvalidRecord, err)
	}
	if signer != rec.PeerID {
		return signedRecord{}, fmt.Errorf("%w: record of %s signed by %s", ErrInvalidRecord, rec.PeerID, signer)
	}
	if len(rec.Addrs) > maxAddrs {
		return signedRecord{}, fmt.Errorf("%w: %d addresses > %d", ErrInvalidRecord, len(rec.Addrs), maxAddrs)
	}
	return signedRecord{peer: rec.PeerID, seq: rec.Seq, addrs: rec.Addrs, raw: raw}, nil
}

// sqlSeq is a record's Seq as stored in an INTEGER column: values past
// math.MaxInt64 (not produced by libp2p, which uses timestamps) saturate.
func sqlSeq(seq uint64) int64 {
	if seq > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(seq)
}

// SignRecord seals a peer record for info with key, the peer's own private
// key, as a signed envelope ready for REGISTER. At most maxAddrs addresses
// are kept; seq orders records of the same peer (peer.TimestampSeq if 0).
func SignRecord(key crypto.PrivKey, info peer.AddrInfo, seq uint64, maxAddrs int) ([]byte, error) {
	rec := peer.PeerRecordFromAddrInfo(info)
	if len(rec.Addrs) > maxAddrs {
		rec.Addrs = rec.Addrs[:maxAddrs]
	}
	if seq != 0 {
		rec.Seq = seq
	}
	env, err := record.Seal(rec, key)
	if err != nil {
		return nil, fmt.Errorf("sign peer record: %w", err)
	}
	raw, err := env.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sign peer record: %w", err)
	}
	return raw, nil
}

// verifier verifies signed peer records and remembers the ones that
// verified: a peer registering in many namespaces, or refreshing, sends the
// same envelope again, and verifying a signature costs more than storing the
// registration. The same bytes always verify the same way.
type verifier struct {
	maxAddrs int
	seen     *lru.Cache[string, signedRecord] // nil: no memory
}

const verifiedCacheSize = 8192

func newVerifier(maxAddrs int) *verifier {
	seen, err := lru.New[string, signedRecord](verifiedCacheSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &verifier{maxAddrs: maxAddrs, seen: seen}
}

func (v *verifier) verify(raw []byte) (signedRecord, error) {
	if v.seen != nil {
		if rec, ok := v.seen.Get(string(raw)); ok {
			return rec, nil
		}
	}
	rec, err := verifyRecord(raw, v.maxAddrs)
	if err == nil && v.seen != nil {
		v.seen.Add(string(raw), rec)
	}
	return rec, err
}
