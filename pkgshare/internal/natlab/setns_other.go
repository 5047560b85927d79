//go:build !linux

package natlab

import "errors"

var errNotLinux = errors.New("natlab: network namespaces need Linux")

// Do needs Linux; elsewhere it returns an error (New skips first).
func (h *Host) Do(fn func() error) error { return errNotLinux }
