//go:build !unix

package node

import "os"

// lockPortFile does nothing where there is no flock: the TCP probe alone
// finds a port in use.
func lockPortFile(*os.File) error { return nil }
