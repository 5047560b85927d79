package cmd

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/p2psb/p2psb/pkgshare/demo"
	"github.com/p2psb/p2psb/pkgshare/fetch"
)

// demoBoard shows one progress line per demo peer on a terminal,
// redrawn in place a few times a second. Off a terminal, or with --json,
// it shows nothing.
type demoBoard struct {
	w     io.Writer
	out   *printer
	mu    sync.Mutex
	lines []fetch.Progress
	drawn bool

	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func newDemoBoard(s *session, peers int) *demoBoard {
	b := &demoBoard{w: s.env.stderr, out: s.out, lines: make([]fetch.Progress, peers), done: make(chan struct{})}
	if s.g.JSON || !terminal(s.env.stderr) {
		return b
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				b.draw()
				return
			case <-t.C:
				b.draw()
			}
		}
	}()
	return b
}

// demoEvent is a progress line of one demo peer in --json mode.
type demoEvent struct {
	Event string  `json:"event"`
	Peer  int     `json:"peer"`
	Done  int64   `json:"done"`
	Total int64   `json:"total"`
	Rate  float64 `json:"rate"`
	Peers int     `json:"peers"`
}

// update records peer i's progress (from any goroutine); with --json it
// prints it as an event.
func (b *demoBoard) update(i int, p fetch.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Peers == 0 {
		p.Peers = b.lines[i].Peers // the last count, once the fetch has let its peers go
	}
	b.lines[i] = p
	_ = b.out.event(demoEvent{Event: "progress", Peer: i + 1, Done: p.Done, Total: p.Total, Rate: p.Rate, Peers: p.Peers})
}

// settle shows, for every peer, its whole fetch's average rate, the one
// the demo's table prints, in place of the last momentary one.
func (b *demoBoard) settle(res *demo.Result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range res.Peers {
		if i < len(b.lines) {
			b.lines[i].Rate = p.MBps * 1e6
		}
	}
}

// stop draws the last state and ends the redraws. It is idempotent.
func (b *demoBoard) stop() {
	b.stopOnce.Do(func() { close(b.done) })
	b.wg.Wait()
}

func (b *demoBoard) draw() {
	b.mu.Lock()
	defer b.mu.Unlock()
	var sb strings.Builder
	if b.drawn {
		fmt.Fprintf(&sb, "\x1b[%dA", len(b.lines))
	}
	for i, p := range b.lines {
		if p.Total == 0 {
			fmt.Fprintf(&sb, "\r\x1b[2Kpeer%-2d [%s] waiting for the package\n", i+1, bar(0, 0, 30))
			continue
		}
		pct := 100 * float64(p.Done) / float64(p.Total)
		fmt.Fprintf(&sb, "\r\x1b[2Kpeer%-2d [%s] %5.1f%%  %9s of %-9s %9s/s  %s\n", i+1,
			bar(p.Done, p.Total, 30), pct, humanBytes(p.Done), humanBytes(p.Total), humanBytes(int64(p.Rate)), count(p.Peers, "peer"))
	}
	b.drawn = true
	_, _ = io.WriteString(b.w, sb.String())
}
