package xfer

import (
	"time"
)

// A seeder rationing its upload (see Seeding) answers STATUS_ELSEWHERE for
// a chunk it already handed to another fetcher. The fetch then leaves
// that chunk to its other peers and does not ask the deferring peer for
// it again before a back-off ends; the back-off doubles with each
// deferral of the same chunk, from elsewhereMin up to elsewhereMax. The
// peer stays in the fetch: it answered, and it may serve other chunks.
const (
	elsewhereMin = 50 * time.Millisecond
	elsewhereMax = 800 * time.Millisecond
)

// deferrals are the chunks one peer deferred, and a timer that wakes the
// peer when the earliest back-off ends (the peer may have nothing else to
// ask for meanwhile, and nothing else would wake it).
type deferrals struct {
	chunks map[int]deferral
	timer  *time.Timer
	next   time.Time // when timer fires; zero when it is not armed
}

type deferral struct {
	until time.Time
	n     int // deferrals of this chunk by this peer so far
}

// elsewhere records that p deferred chunk i, and frees the chunk for the
// other peers.
func (fe *fetch) elsewhere(p *peerState, i int) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	d := fe.deferred[p]
	if d == nil {
		if fe.deferred == nil {
			fe.deferred = make(map[*peerState]*deferrals)
		}
		d = &deferrals{chunks: make(map[int]deferral)}
		fe.deferred[p] = d
	}
	e := d.chunks[i]
	e.until = time.Now().Add(min(elsewhereMin<<min(e.n, 8), elsewhereMax))
	e.n++
	d.chunks[i] = e
	fe.armWake(p, d, e.until)
	fe.requeueLocked(p, i)
}

// armWake makes d's timer wake p at t unless it fires earlier already.
func (fe *fetch) armWake(p *peerState, d *deferrals, t time.Time) {
	if !d.next.IsZero() && !d.next.After(t) {
		return
	}
	d.next = t
	if d.timer == nil {
		d.timer = time.AfterFunc(time.Until(t), func() { fe.deferralEnded(p) })
		return
	}
	d.timer.Reset(time.Until(t))
}

// deferralEnded runs on p's timer: it wakes p, and arms the timer again
// for the next back-off still running.
func (fe *fetch) deferralEnded(p *peerState) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	d := fe.deferred[p]
	if d == nil || p.gone {
		return
	}
	d.next = time.Time{}
	now := time.Now()
	var next time.Time // the earliest back-off still running
	for _, e := range d.chunks {
		if e.until.After(now) && (next.IsZero() || e.until.Before(next)) {
			next = e.until
		}
	}
	if !next.IsZero() {
		fe.armWake(p, d, next)
	}
	wake(p.wake)
}

// forgetDeferrals drops what p deferred, and its wake timer, when p
// leaves the fetch. Call with fe.mu held.
func (fe *fetch) forgetDeferrals(p *peerState) {
	if d := fe.deferred[p]; d != nil {
		if d.timer != nil {
			d.timer.Stop()
		}
		delete(fe.deferred, p)
	}
}

// waiting returns a test for "p deferred chunk i and its back-off still
// runs", fixed at the time of the call; nil when p deferred nothing.
// Call with fe.mu held.
func (fe *fetch) waiting(p *peerState) func(i int) bool {
	d := fe.deferred[p]
	if d == nil || len(d.chunks) == 0 {
		return nil
	}
	now := time.Now()
	return func(i int) bool {
		e, ok := d.chunks[i]
		return ok && now.Before(e.until)
	}
}
