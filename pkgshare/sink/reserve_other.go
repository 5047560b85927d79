//go:build !linux

package sink

import "os"

// reserve does nothing where fallocate is not available: the partial file
// stays sparse.
func reserve(*os.File, int64) error { return nil }
