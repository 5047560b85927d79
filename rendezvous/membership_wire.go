package rendezvous

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// The membership exchange of SyncProtocolID: the requester puts its own
// signed peer record in its SyncRequest, and the responder answers with a
// Members frame, its own record first, before the SyncBatch frames. Each
// side verifies every record and learns the members it did not know.

// maxSyncRequest bounds a SyncRequest: a cursor, a limit and one record.
const maxSyncRequest = maxMemberRecord + 64

// ownRecord signs this server's peer record with its current addresses and
// the time now as its Seq, which tells the other members it is alive.
func (f *federation) ownRecord() ([]byte, error) {
	key := f.s.h.Peerstore().PrivKey(f.s.h.ID())
	if key == nil {
		return nil, fmt.Errorf("no private key for %s", f.s.h.ID())
	}
	seq := uint64(f.s.cfg.clock.Now().UnixNano())
	return SignRecord(key, peer.AddrInfo{ID: f.s.h.ID(), Addrs: f.s.h.Addrs()}, seq, f.s.cfg.maxAddrs)
}

// membersFrame lists this server and the members it knows, at most
// maxMembersBytes of records.
func (f *federation) membersFrame() *pb.Members {
	budget := maxMembersBytes
	var recs [][]byte
	if own, err := f.ownRecord(); err == nil && len(own) <= maxMemberRecord {
		recs = append(recs, own)
		budget -= len(own) + 8
	}
	return &pb.Members{SignedPeerRecords: append(recs, f.members.records(budget)...)}
}

// parseMembers verifies the records of a Members frame, at most maxMembers
// of them after the sender's own, and drops those too large or that do not
// verify.
func parseMembers(v *verifier, raws [][]byte, maxMembers int) []signedRecord {
	raws = raws[:min(len(raws), maxMembers+1)]
	out := make([]signedRecord, 0, len(raws))
	for _, raw := range raws {
		if len(raw) > maxMemberRecord {
			continue
		}
		if rec, err := v.verify(raw); err == nil {
			out = append(out, rec)
		}
	}
	return out
}

// requesterRecord verifies the record of a SyncRequest, which must be the
// requester's own.
func requesterRecord(v *verifier, from peer.ID, raw []byte) (signedRecord, error) {
	if len(raw) > maxMemberRecord {
		return signedRecord{}, fmt.Errorf("%w: %d bytes > %d", ErrInvalidRecord, len(raw), maxMemberRecord)
	}
	rec, err := v.verify(raw)
	if err != nil {
		return signedRecord{}, err
	}
	if rec.peer != from {
		return signedRecord{}, fmt.Errorf("%w: record of %s sent by %s", ErrInvalidRecord, rec.peer, from)
	}
	return rec, nil
}

// learnMembers stores the members' records and starts a join loop for each
// member not known before.
func (f *federation) learnMembers(ctx context.Context, recs []signedRecord) {
	for _, rec := range recs {
		isNew, err := f.members.learn(ctx, rec)
		if err != nil {
			f.s.cfg.log.Info("rendezvous: learn backbone member", "peer", rec.peer, "err", err)
			continue
		}
		if isNew {
			f.s.cfg.log.Info("rendezvous: new backbone member", "peer", rec.peer)
			f.link(rec.peer)
		}
	}
}
