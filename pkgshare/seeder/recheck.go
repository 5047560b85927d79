package seeder

import "github.com/p2psb/p2psb/pkgshare/manifest"

// fileRef names file index file of a version.
type fileRef struct {
	version manifest.VersionID
	file    int
}

// recheck verifies file i of sv in the background, once at a time per
// file, after a chunk read from it failed its hash: a file rewritten with
// its size and modification time kept. A file that no longer matches the
// manifest is recorded unservable in the library and no longer served.
func (s *Seeder) recheck(sv *seededVersion, i int) {
	key := fileRef{version: sv.v.ID, file: i}
	s.mu.Lock()
	if s.checking[key] || s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	s.checking[key] = true
	s.wg.Add(1)
	s.mu.Unlock()
	s.log.Info("a chunk read from a file fails its hash; verifying the file",
		"file", sv.v.Files[i].DiskPath, "package", sv.v.Sealed.Name, "version", sv.v.Version, "version_id", sv.v.ID)
	go func() {
		defer s.wg.Done()
		s.verify(sv, i)
		s.mu.Lock()
		delete(s.checking, key)
		s.mu.Unlock()
	}()
}

// verify rehashes file i of sv against the manifest and stops serving it
// if it does not match.
func (s *Seeder) verify(sv *seededVersion, i int) {
	select {
	case s.slot <- struct{}{}:
		defer func() { <-s.slot }()
	case <-s.ctx.Done():
		return
	}
	f := sv.v.Files[i]
	problem, err := s.lib.Recheck(s.ctx, sv.v, i)
	if s.ctx.Err() != nil {
		return // closing
	}
	log := s.log.With("file", f.DiskPath, "package", sv.v.Sealed.Name, "version", sv.v.Version, "version_id", sv.v.ID)
	if err != nil {
		log.Warn("verify a file that failed a chunk hash", "err", err)
		return
	}
	if problem == "" {
		log.Info("file matches its manifest after all; still serving it")
		return
	}
	s.mu.Lock()
	sv.unservable[i] = true
	s.mu.Unlock()
	s.markBroken(sv)
	log.Warn("file no longer matches the version it was published or fetched as, though its size and modification time did not move; no longer serving it (p2psb packages verify, then publish again)",
		"path", f.Path, "problem", problem)
}
