//go:build linux

package natlab

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// errGoexit reports an fn that left Do through runtime.Goexit.
var errGoexit = errors.New("natlab: the function run by Do called runtime.Goexit (t.FailNow?)")

// Do runs fn on an OS thread switched into h's network namespace and
// returns fn's error. It runs fn on a goroutine of its own, locked to its
// thread, and puts the thread back into the namespace it came from
// afterwards; a thread it cannot put back is thrown away.
//
// What fn does on its own goroutine happens inside h: a socket it opens
// belongs to h for its whole life, so a listener or connection made in fn
// can be used from any goroutine afterwards. What fn starts elsewhere does
// not: goroutines it spawns run on other threads, in the test's namespace;
// so does the resolver for a host name, the dual-stack race of a Dialer,
// and anything a library starts in the background (a libp2p host dials,
// listens and reuses ports from many goroutines). Run such code as a
// process in the host (Start) instead.
//
// fn must not call t.FailNow or its kin (it is not on the test's
// goroutine): Do returns an error saying so. A panic in fn is re-raised
// on the caller's goroutine.
func (h *Host) Do(fn func() error) error {
	type result struct {
		err      error
		panicked bool
		value    any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var res result
		returned := false
		defer func() {
			if !returned {
				if v := recover(); v != nil {
					res = result{panicked: true, value: v}
				} else if res.err == nil {
					res.err = errGoexit
				}
			}
			done <- res
		}()
		restore, err := enterNetns(h.Netns)
		if err != nil {
			res.err = err
			returned = true
			runtime.UnlockOSThread()
			return
		}
		// Deferred before fn runs, so it also runs on a panic or Goexit.
		defer func() {
			if err := restore(); err != nil {
				if res.err == nil {
					res.err = err
				}
				return // still locked: the runtime ends the thread
			}
			runtime.UnlockOSThread()
		}()
		res.err = fn()
		returned = true
	}()
	res := <-done
	if res.panicked {
		panic(res.value)
	}
	return res.err
}

// enterNetns switches the calling thread into the named namespace and
// returns the function that switches it back. The thread must be locked.
func enterNetns(name string) (restore func() error, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open own netns: %w", err)
	}
	target, err := unix.Open(filepath.Join("/run/netns", name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(orig)
		return nil, fmt.Errorf("open netns %s: %w", name, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		return nil, fmt.Errorf("enter netns %s: %w", name, err)
	}
	return func() error {
		defer unix.Close(orig)
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("leave netns %s: %w", name, err)
		}
		return nil
	}, nil
}
