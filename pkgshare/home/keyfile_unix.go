//go:build unix

package home

import "syscall"

// openKeyFlags make opening the identity file return at once whatever it
// turned into since it was checked: a FIFO does not wait for a writer and
// a symbolic link fails with ELOOP.
const openKeyFlags = syscall.O_NONBLOCK | syscall.O_NOFOLLOW
