package xfer

import (
	"fmt"
	"math"
	"time"

	pool "github.com/libp2p/go-buffer-pool"

	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// queueTarget is how much of a peer's measured throughput its request
// window covers: enough to keep the link busy without piling requests
// on a peer that turns slow.
const queueTarget = 500 * time.Millisecond

// verifyLoop decodes, hashes and writes chunks off the reading goroutines.
func (fe *fetch) verifyLoop() {
	for {
		select {
		case <-fe.ctx.Done():
			return
		case a := <-fe.verifyq:
			fe.verify(a)
		}
	}
}

func (fe *fetch) verify(a *arrival) {
	defer pool.Put(a.body)
	c := fe.chunks[a.i]
	data := a.body
	var err error
	if a.enc == pb.Encoding_ENCODING_ZSTD {
		out := pool.Get(int(c.Size))
		defer pool.Put(out)
		data, err = decompress(out, a.body, int(c.Size))
	}
	if err == nil && fe.v.HashAlgo.Sum(data) != c.Hash {
		err = fmt.Errorf("%w: chunk %s fails its hash", ErrBadPeer, c.Hash)
	}
	if err != nil {
		fe.rejected(a.p, a.i, err)
		return
	}
	if fe.isBad(a.p) {
		fe.rejected(a.p, a.i, nil)
		return
	}
	if err := fe.job.Sink.WriteChunk(fe.ctx, c.Hash, data); err != nil {
		fe.fail(fmt.Errorf("fetch %s: write chunk %s: %w", fe.v.ID, c.Hash, err))
		return
	}
	fe.verified(a.p, a.i, a.relayed)
	if fe.job.Notify != nil {
		fe.job.Notify.Notify(fe.v.ID)
	}
}

func (fe *fetch) isBad(p *peerState) bool {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return p.bad
}

// verified records chunk i as done, fetched from p (through a relay if
// relayed).
func (fe *fetch) verified(p *peerState, i int, relayed bool) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	size := int64(fe.chunks[i].Size)
	fe.update(i, func(c *chunkState) { c.done, c.verifying = true, false })
	fe.remaining--
	fe.present += size
	fe.stats.Bytes += size
	fe.stats.PerPeer[p.id] += size
	if relayed {
		fe.stats.Relayed += size
	}
	if fe.stats.FirstChunk.IsZero() {
		fe.stats.FirstChunk = time.Now()
	}
	if fe.remaining == 0 {
		fe.doneCancel()
	}
}

// rejected frees chunk i for another request; with a non-nil err it
// drops p as bad and reports it.
func (fe *fetch) rejected(p *peerState, i int, err error) {
	fe.mu.Lock()
	fe.update(i, func(c *chunkState) { c.verifying = false })
	fe.settle(i)
	first := err != nil && !p.bad
	if first {
		p.bad = true
		fe.banned[p.id] = true
		fe.stats.BadPeers = append(fe.stats.BadPeers, p.id)
		fe.stall.noteFailed(p.id, err.Error())
	}
	fe.mu.Unlock()
	if !first {
		return
	}
	p.cancel()
	fe.cfg.log.Info("xfer: dropping peer that sent a bad chunk", "peer", p.id, "version", fe.v.ID, "err", err)
	if fe.job.BadPeer != nil {
		fe.job.BadPeer(p.id, err)
	}
}

// tickLoop sizes request windows and reports progress.
func (fe *fetch) tickLoop() {
	t := time.NewTicker(fe.cfg.progressInterval)
	defer t.Stop()
	for {
		select {
		case <-fe.ctx.Done():
			return
		case <-t.C:
			fe.tick(fe.cfg.progressInterval)
			fe.checkStall(time.Now())
			fe.report()
		}
	}
}

// tick folds the bytes each peer delivered since the last tick into its
// rate and window.
func (fe *fetch) tick(dt time.Duration) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	for _, p := range fe.peers {
		inst := float64(p.recv) / dt.Seconds()
		p.recv = 0
		if inst == 0 && len(p.asked) == 0 {
			// Idle: nothing to learn. Its lanes look again whether there
			// is work for them or it is of no more use: one wake token
			// serves one of a peer's lanes, and a lane that missed the
			// last would otherwise wait for good.
			wake(p.wake)
			continue
		}
		p.rate = ewma(p.rate, inst)
		w := int(math.Ceil(p.rate * queueTarget.Seconds() / max(fe.avgChunk, 1)))
		p.window = min(max(w, fe.cfg.minWindow), fe.cfg.maxWindow)
		wake(p.wake)
	}
	fe.rate = ewma(fe.rate, float64(fe.stats.Bytes-fe.lastBytes)/dt.Seconds())
	fe.lastBytes = fe.stats.Bytes
}

func ewma(old, x float64) float64 {
	if old == 0 {
		return x
	}
	return 0.5*old + 0.5*x
}

func (fe *fetch) report() {
	if fe.job.Progress == nil {
		return
	}
	fe.mu.Lock()
	pr := Progress{
		Total: fe.total, Done: fe.present, Fetched: fe.stats.Bytes, Rate: fe.rate,
		Chunks: len(fe.chunks), ChunksDone: len(fe.chunks) - fe.remaining,
		Peers: len(fe.peers), Looking: fe.stall.looking, Elapsed: time.Since(fe.start),
	}
	fe.mu.Unlock()
	fe.job.Progress(pr)
}
