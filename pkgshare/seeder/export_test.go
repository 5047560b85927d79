package seeder

import "time"

// SetClock makes s read the time from now.
func SetClock(s *Seeder, now func() time.Time) { s.now = now }

// Hashed is how many chunks s has hashed before serving them.
func Hashed(s *Seeder) int64 { return s.hashed.Load() }
