package cmd

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// minProgress is the job size from which a progress bar is worth showing
// for work that is over in a blink below it (hashing, verifying).
const minProgress = 64 << 20

// terminalProgress draws a progress bar with rate and ETA on stderr when it
// is a terminal and the job is at least min bytes; otherwise it does
// nothing. It implements library.Progress.
type terminalProgress struct {
	s    *session
	desc string
	min  int64
	// looking: the last fetch progress said it was looking for peers
	// (only the progress callback's goroutine uses it).
	looking bool

	once sync.Once
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
}

func newProgress(s *session, desc string) *terminalProgress {
	return &terminalProgress{s: s, desc: desc, min: minProgress}
}

// newFetchProgress is the bar of a fetch, which waits on the network: it
// shows for any size, and says it is looking for providers until the
// first progress.
func newFetchProgress(s *session, ref fmt.Stringer) *terminalProgress {
	p := &terminalProgress{s: s, desc: "fetching"}
	if p.shown() {
		fmt.Fprintf(s.env.stderr, "looking for providers of %s ...\n", ref)
	}
	return p
}

// shown reports whether progress goes to a terminal.
func (p *terminalProgress) shown() bool { return !p.s.g.JSON && terminal(p.s.env.stderr) }

func (p *terminalProgress) SetTotal(n int64) {
	if n < p.min || !p.shown() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions64(n,
		progressbar.OptionSetWriter(p.s.env.stderr),
		progressbar.OptionSetDescription(p.desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionUseIECUnits(true), // MiB, as every other figure p2psb prints
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)
}

func (p *terminalProgress) Add(n int64) {
	p.mu.Lock()
	bar := p.bar
	p.mu.Unlock()
	if bar != nil {
		_ = bar.Add64(n)
	}
}

// Done removes the bar from the terminal.
func (p *terminalProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// SetTotalOnce sets the total the first time it is called.
func (p *terminalProgress) SetTotalOnce(n int64) {
	p.once.Do(func() { p.SetTotal(n) })
}

// Set moves the bar to done bytes and shows desc.
func (p *terminalProgress) Set(done int64, desc string) {
	p.mu.Lock()
	bar := p.bar
	p.mu.Unlock()
	if bar != nil {
		bar.Describe(desc)
		_ = bar.Set64(done)
	}
}
