package natlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitDelay bounds how long Wait waits for a dead process's output pipes,
// which a grandchild may still hold.
const waitDelay = 5 * time.Second

// Proc is a process started by Start, with its output captured.
type Proc struct {
	Cmd *exec.Cmd

	stdout, stderr *output
	done           chan struct{}
	err            error // valid once done is closed
}

// Start runs name with arg inside h, as Start does for h.Command.
func (h *Host) Start(t testing.TB, name string, arg ...string) *Proc {
	t.Helper()
	return Start(t, h.Command(context.Background(), name, arg...))
}

// Start starts cmd (usually from Host.Command, with Env or Dir set as
// needed) in a process group of its own, capturing stdout and stderr
// unless cmd sets them. t's Cleanup kills the group and, if t failed,
// logs the output. A failure to start fails t.
func Start(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.stderr
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = childAttr()
	}
	ownGroup(cmd.SysProcAttr)
	if cmd.Cancel != nil { // made by CommandContext: kill the group, not only the leader
		cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	}
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = waitDelay
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("natlab: start %s: %v", cmd, err)
	}
	go func() {
		p.err = cmd.Wait()
		p.stdout.close()
		p.stderr.close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("natlab: %s: %v\nstdout:\n%s\nstderr:\n%s", cmd, p.err, p.Stdout(), p.Stderr())
		}
	})
	return p
}

// Done is closed when the process has exited and its output is complete.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns its error (nil for exit
// status 0), or ctx's error if ctx ends first.
func (p *Proc) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Signal sends sig to the process (not its group), for a graceful stop.
func (p *Proc) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// Kill SIGKILLs the process group and waits for the process to exit. It
// is idempotent.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = killGroup(p.Cmd.Process.Pid)
	<-p.done
}

// Stdout returns what the process has written to stdout so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr returns what the process has written to stderr so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// WaitLine waits for a complete line of stdout or stderr that matches re
// and returns it. It fails when ctx ends or the process exits first.
func (p *Proc) WaitLine(ctx context.Context, re *regexp.Regexp) (string, error) {
	for {
		// Take the change channels before reading, so no write is missed.
		outCh, errCh := p.stdout.changed(), p.stderr.changed()
		for _, o := range []*output{p.stdout, p.stderr} {
			if line, ok := o.find(re); ok {
				return line, nil
			}
		}
		select {
		case <-outCh:
		case <-errCh:
		case <-p.done:
			for _, o := range []*output{p.stdout, p.stderr} {
				if line, ok := o.find(re); ok {
					return line, nil
				}
			}
			return "", fmt.Errorf("natlab: %s exited (%v) with no line matching %s", p.Cmd, p.err, re)
		case <-ctx.Done():
			return "", fmt.Errorf("natlab: no line matching %s from %s: %w", re, p.Cmd, ctx.Err())
		}
	}
}

// output is a process's captured stream; readers wait on changed.
type output struct {
	mu     sync.Mutex
	buf    strings.Builder
	notify chan struct{} // closed and replaced on every write
	closed bool          // the process is gone: the last line counts
}

func newOutput() *output { return &output{notify: make(chan struct{})} }

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(b)
	close(o.notify)
	o.notify = make(chan struct{})
	return len(b), nil
}

func (o *output) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
}

func (o *output) changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.notify
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// find returns the first complete line matching re; an unterminated last
// line counts once the stream is closed.
func (o *output) find(re *regexp.Regexp) (string, bool) {
	o.mu.Lock()
	s, closed := o.buf.String(), o.closed
	o.mu.Unlock()
	if !closed {
		if i := strings.LastIndexByte(s, '\n'); i >= 0 {
			s = s[:i]
		} else {
			s = ""
		}
	}
	if s == "" {
		return "", false
	}
	for _, line := range strings.Split(s, "\n") {
		if re.MatchString(line) {
			return line, true
		}
	}
	return "", false
}
