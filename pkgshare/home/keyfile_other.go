//go:build !unix

package home

// openKeyFlags: this system has no O_NONBLOCK or O_NOFOLLOW; openKeyFile's
// checks before and after opening remain.
const openKeyFlags = 0
