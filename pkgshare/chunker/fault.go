package chunker

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrChanged is returned by Split when its input changed while being read
// in a way it could notice: a mapped file that shrank under it.
var ErrChanged = errors.New("chunker: input changed while being read")

// faultGuard prepares the calling goroutine to touch mapped file memory:
// when mapped, a memory fault there (the file shrank) panics instead of
// killing the process. Defer the function it returns, which turns that
// panic into ErrChanged in *err and lets any other panic through.
func faultGuard(mapped bool, err *error) func() {
	if !mapped {
		return func() {}
	}
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		if f, ok := r.(interface{ Addr() uintptr }); ok {
			*err = fmt.Errorf("%w: memory fault at %#x", ErrChanged, f.Addr())
			return
		}
		panic(r)
	}
}
