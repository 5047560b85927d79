package rendezvous

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// The catch-up protocol: the joining node sends one SyncRequest{cursor},
// reads a Members frame (1.1.0 only, see membership_wire.go), then SyncBatch
// frames of at most syncBatch updates, in the sender's counter order, until
// one has done set. The cursor is the sender's counter of the last update
// stored, kept per backbone peer with the sender's epoch, so a restart
// resumes; a sender whose epoch is not the requester's (its database was
// made anew, and its counter restarted) sends everything, and the requester
// counts from there.
const (
	syncBatch      = 128
	maxSyncFrame   = syncBatch*(maxUpdateSize+16) + 64
	maxSyncUpdates = 4 << 20
)

func (f *federation) handleSync(str network.Stream) {
	f.s.serveTracked(str, f.serveSync)
}

// serveSync streams every live registration and tombstone after the
// requested cursor; each frame is written within the stream timeout.
func (f *federation) serveSync(str network.Stream) {
	timer := time.AfterFunc(f.s.cfg.streamTimeout, func() { str.Reset() })
	defer timer.Stop()
	var req pb.SyncRequest
	if err := newMsgReader(str, maxSyncRequest).read(&req); err != nil {
		str.Reset()
		return
	}
	if str.Protocol() == SyncProtocolID {
		f.learnRequester(str.Conn().RemotePeer(), req.GetSignedPeerRecord())
		if err := writeMsg(str, f.membersFrame()); err != nil {
			str.Reset()
			return
		}
	}
	limit := int(req.GetLimit())
	if limit <= 0 || limit > maxSyncUpdates {
		limit = maxSyncUpdates
	}
	cursor := req.GetCursor()
	if e := req.GetEpoch(); e != 0 && e != f.s.epoch {
		cursor = 0
	}
	for sent := 0; ; {
		timer.Reset(f.s.cfg.streamTimeout)
		ups, err := f.s.st.changesSince(f.s.ctx, cursor, min(syncBatch, limit-sent), f.s.cfg.clock.Now())
		if err != nil {
			f.s.cfg.log.Info("rendezvous: serve catch-up", "err", err)
			str.Reset()
			return
		}
		sent += len(ups)
		done := len(ups) < syncBatch || sent >= limit
		if err := writeMsg(str, &pb.SyncBatch{Updates: ups, Done: proto.Bool(done), Epoch: proto.Uint64(f.s.epoch)}); err != nil {
			str.Reset()
			return
		}
		if done {
			str.Close()
			return
		}
		cursor = ups[len(ups)-1].GetSeq()
	}
}

// learnRequester makes the peer asking for a catch-up a member, if it sent
// its own record.
func (f *federation) learnRequester(from peer.ID, raw []byte) {
	if raw == nil {
		return
	}
	rec, err := requesterRecord(f.s.verifier, from, raw)
	if err != nil {
		f.s.cfg.log.Debug("rendezvous: catch-up request with a bad record", "peer", from, "err", err)
		return
	}
	f.learnMembers(f.s.ctx, []signedRecord{rec})
}

var errSyncOrder = errors.New("catch-up updates out of order")

// catchUp asks a backbone peer for what was missed since the stored cursor
// and stores it. It returns how many updates were received.
func (f *federation) catchUp(ctx context.Context, from peer.ID) (int, error) {
	cursor, epoch, err := loadCursor(ctx, f.s.db, from)
	if err != nil {
		return 0, err
	}
	str, err := f.s.h.NewStream(ctx, from, SyncProtocolID, syncProtocolV1)
	if err != nil {
		return 0, fmt.Errorf("open catch-up stream: %w", err)
	}
	timer := time.AfterFunc(f.s.cfg.streamTimeout, func() { str.Reset() })
	defer timer.Stop()
	withMembers := str.Protocol() == SyncProtocolID
	req := &pb.SyncRequest{Cursor: proto.Uint64(cursor)}
	if epoch != 0 {
		req.Epoch = proto.Uint64(epoch)
	}
	if withMembers {
		if req.SignedPeerRecord, err = f.ownRecord(); err != nil {
			f.s.cfg.log.Info("rendezvous: sign own record", "err", err)
		}
	}
	if err := writeMsg(str, req); err != nil {
		str.Reset()
		return 0, err
	}
	r := newMsgReader(str, maxMembersBytes)
	if withMembers {
		var m pb.Members
		if err := r.read(&m); err != nil {
			str.Reset()
			return 0, fmt.Errorf("read backbone members: %w", err)
		}
		f.learnMembers(ctx, parseMembers(f.s.verifier, m.GetSignedPeerRecords(), f.s.cfg.maxMembers))
	}
	r.max = maxSyncFrame
	total := 0
	for total <= maxSyncUpdates {
		timer.Reset(f.s.cfg.streamTimeout)
		var b pb.SyncBatch
		if err := r.read(&b); err != nil {
			str.Reset()
			return total, fmt.Errorf("read catch-up batch: %w", err)
		}
		total += len(b.GetUpdates())
		if e := b.GetEpoch(); e != epoch {
			if epoch != 0 {
				f.s.cfg.log.Info("rendezvous: backbone peer's database is new; catching up from its start", "peer", from)
			}
			cursor, epoch = 0, e
		}
		if cursor, err = f.storeBatch(ctx, from, cursor, epoch, b.GetUpdates()); err != nil {
			str.Reset()
			return total, err
		}
		if b.GetDone() {
			return total, str.Close()
		}
	}
	str.Reset()
	return total, fmt.Errorf("catch-up from %s: more than %d updates", from, maxSyncUpdates)
}

// storeBatch imports the updates that verify and saves the new cursor.
func (f *federation) storeBatch(ctx context.Context, from peer.ID, cursor, epoch uint64, ups []*pb.Update) (uint64, error) {
	ops := make([]*writeOp, 0, len(ups))
	for _, u := range ups {
		if u.GetSeq() <= cursor {
			return cursor, fmt.Errorf("%w: %d after %d", errSyncOrder, u.GetSeq(), cursor)
		}
		cursor = u.GetSeq()
		op, err := f.importOp(u)
		if err != nil {
			f.s.cfg.log.Debug("rendezvous: dropped catch-up update", "from", from, "err", err)
			continue
		}
		ops = append(ops, op)
	}
	if _, err := f.s.w.submitAll(ctx, ops); err != nil {
		return cursor, err
	}
	return cursor, saveCursor(ctx, f.s.db, from, cursor, epoch)
}

// loadCursor returns the catch-up cursor kept for backbone peer from and
// the epoch it counts in (0 and 0 for none).
func loadCursor(ctx context.Context, db *sql.DB, from peer.ID) (cursor, epoch uint64, err error) {
	var c, e int64
	err = db.QueryRowContext(ctx, `SELECT cursor, epoch FROM rendezvous_sync_cursors WHERE peer = ?`, []byte(from)).Scan(&c, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("load catch-up cursor of %s: %w", from, err)
	}
	return uint64(c), uint64(e), nil
}

func saveCursor(ctx context.Context, db *sql.DB, from peer.ID, cursor, epoch uint64) error {
	_, err := db.ExecContext(ctx, `INSERT INTO rendezvous_sync_cursors(peer, cursor, epoch) VALUES(?, ?, ?)
		ON CONFLICT(peer) DO UPDATE SET cursor = excluded.cursor, epoch = excluded.epoch`, []byte(from), int64(cursor), int64(epoch))
	if err != nil {
		return fmt.Errorf("save catch-up cursor of %s: %w", from, err)
	}
	return nil
}
