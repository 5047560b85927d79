//go:build unix && !linux

package sink

// openBeneath opens rel under dirfd, refusing a symbolic link on any
// component: one O_NOFOLLOW open per component.
func openBeneath(dirfd int, rel string, flags int, mode uint32) (int, error) {
	return openEach(dirfd, rel, flags, mode)
}
