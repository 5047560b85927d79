package manifest

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	id := PackageID{1, 2, 3}
	s := id.String()
	good := []struct {
		name string
		in   string
		want Ref
	}{
		{"newest", s, Ref{ID: id}},
		{"version 1", s + "@1", Ref{ID: id, Version: 1}},
		{"version 42", s + "@42", Ref{ID: id, Version: 42}},
		{"max version", s + "@" + strconv.FormatUint(MaxVersion, 10), Ref{ID: id, Version: MaxVersion}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRef(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.in, got.String(), "round trip")
		})
	}
	bad := []struct {
		name string
		in   string
		kind error
	}{
		{"empty", "", ErrBadID},
		{"bad id", "pkg_x@1", ErrBadID},
		{"version id", VersionID{1}.String() + "@1", ErrBadID},
		{"empty version", s + "@", ErrBadVersion},
		{"zero", s + "@0", ErrBadVersion},
		{"leading zero", s + "@01", ErrBadVersion},
		{"sign", s + "@+1", ErrBadVersion},
		{"negative", s + "@-1", ErrBadVersion},
		{"not a number", s + "@latest", ErrBadVersion},
		{"two ats", s + "@1@2", ErrBadVersion},
		{"above MaxVersion", s + "@" + strconv.FormatUint(MaxVersion+1, 10), ErrBadVersion},
		{"overflow", s + "@99999999999999999999999", ErrBadVersion},
		{"space", s + "@ 1", ErrBadVersion},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRef(tc.in)
			requireInvalid(t, err, tc.kind)
		})
	}
}

func TestRefText(t *testing.T) {
	r := Ref{ID: PackageID{7}, Version: 3}
	b, err := r.MarshalText()
	require.NoError(t, err)
	var got Ref
	require.NoError(t, got.UnmarshalText(b))
	require.Equal(t, r, got)
	require.Error(t, got.UnmarshalText([]byte("nope")))
}
