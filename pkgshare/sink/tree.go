package sink

import (
	"errors"

	"github.com/p2psb/p2psb/pkgshare/library"
)

// A fetch writes only through a tree: the target directory, opened once,
// under which every path is opened, created, renamed and removed without
// following a symbolic link. A link anywhere under the target on a path
// the fetch uses (the partial directory, a version's directory in it, a
// partial file, a directory or file of the package) is refused with an
// error naming it, so files outside the target, and files inside it that
// are not the package's, are never written.

// ErrRunning is returned by Open when another fetch of the version into
// the same target is running (see lockName).
var ErrRunning = errors.New("another p2psb fetch is running there")

// linkError refuses the symbolic link at path.
func linkError(path string) error {
	return &library.InputError{Path: path,
		Reason: "is a symbolic link; p2psb fetch writes nothing through links in its target"}
}

// notDirError refuses a directory component of a path that is something
// else.
func notDirError(path string) error {
	return &library.InputError{Path: path, Reason: "is not a directory; p2psb fetch refuses to write through it"}
}
