package manifest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckSuccessor(t *testing.T) {
	key, other := testKey(t, 1), testKey(t, 2)
	next := func(prev *Sealed, version uint64, change func(*Manifest)) *Sealed {
		m := testManifest(key)
		m.Version, m.Previous = version, prev.ID
		m.Created = prev.Created.Add(time.Minute)
		if change != nil {
			change(m)
		}
		return seal(t, m, key)
	}
	v1 := seal(t, testManifest(key), key)
	v2 := next(v1, 2, nil)
	v3 := next(v2, 3, nil)
	v2b := next(v1, 2, func(m *Manifest) { m.Files = m.Files[:1] })
	v3b := next(v2b, 3, nil)
	gap := next(v1, 5, nil) // a version between was never seen: accepted
	otherPkg := seal(t, testManifest(other), other)
	renamed := next(v1, 2, func(m *Manifest) { m.Name = "other" })

	cases := []struct {
		name       string
		prev, next *Sealed
		kind       error // nil: accepted
	}{
		{"first version", nil, v1, nil},
		{"consecutive", v1, v2, nil},
		{"consecutive again", v2, v3, nil},
		{"gap", v1, gap, nil},
		{"gap to v3", v1, v3, nil},
		{"rollback", v2, v1, ErrRollback},
		{"rollback two", v3, v1, ErrRollback},
		{"same version again", v2, v2, ErrRollback},
		{"same version, other content", v2, v2b, ErrFork},
		{"successor of another branch", v2, v3b, ErrFork},
		{"another publisher", v1, otherPkg, ErrIDMismatch},
		{"another name", v1, renamed, ErrIDMismatch},
		{"nil next", v1, nil, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSuccessor(tc.prev, tc.next)
			if tc.kind == nil {
				require.NoError(t, err)
				return
			}
			requireInvalid(t, err, tc.kind)
		})
	}
}

func TestCheckRef(t *testing.T) {
	key := testKey(t, 1)
	s := seal(t, testManifest(key), key)
	require.NoError(t, s.CheckRef(Ref{ID: s.PackageID}))
	require.NoError(t, s.CheckRef(Ref{ID: s.PackageID, Version: 1}))
	requireInvalid(t, s.CheckRef(Ref{ID: s.PackageID, Version: 2}), ErrIDMismatch)
	requireInvalid(t, s.CheckRef(Ref{ID: PackageID{1}}), ErrIDMismatch)
}
