package sink

import "testing"

// TestSymlinkEscapeWithoutOpenat2 runs TestSymlinkEscape as on a kernel
// without openat2, where each component is opened with O_NOFOLLOW.
func TestSymlinkEscapeWithoutOpenat2(t *testing.T) {
	noOpenat2.Store(true)
	t.Cleanup(func() { noOpenat2.Store(false) })
	testSymlinkEscape(t)
}
