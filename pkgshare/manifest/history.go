package manifest

// CheckSuccessor checks that next may follow prev, the newest version known
// of the same package: same package ID, a higher version number (ErrRollback
// otherwise), and, when the numbers are consecutive, next.Previous naming
// prev (ErrFork otherwise). Two different manifests with one version number
// are a fork too. A nil prev accepts any next.
func CheckSuccessor(prev, next *Sealed) error {
	if next == nil {
		return invalid(ErrMalformed, "manifest", "", "nil successor")
	}
	if prev == nil {
		return nil
	}
	if next.PackageID != prev.PackageID {
		return invalid(ErrIDMismatch, "package ID", "", "%s follows %s, another package", next.PackageID, prev.PackageID)
	}
	switch {
	case next.Version == prev.Version && next.ID != prev.ID:
		return invalid(ErrFork, "version", "", "two different manifests for version %d of %s (%s and %s)",
			next.Version, next.PackageID, prev.ID, next.ID)
	case next.Version <= prev.Version:
		return invalid(ErrRollback, "version", "", "version %d of %s is not newer than the known version %d",
			next.Version, next.PackageID, prev.Version)
	case next.Version == prev.Version+1 && next.Previous != prev.ID:
		return invalid(ErrFork, "previous", "", "version %d of %s follows %s, not the known version %d (%s)",
			next.Version, next.PackageID, next.Previous, prev.Version, prev.ID)
	}
	return nil
}

// CheckRef checks that s is what ref asks for: the same package and, unless
// ref.Version is 0, the same version number.
func (s *Sealed) CheckRef(ref Ref) error {
	if s.PackageID != ref.ID {
		return invalid(ErrIDMismatch, "package ID", "", "got a manifest of %s, want %s", s.PackageID, ref.ID)
	}
	if ref.Version != 0 && s.Version != ref.Version {
		return invalid(ErrIDMismatch, "version", "", "got version %d of %s, want version %d", s.Version, s.PackageID, ref.Version)
	}
	return nil
}
