package follow

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func TestParseAnnouncement(t *testing.T) {
	key := testKey(t, 1)
	vs := versions(t, key, "album", 2, time.Unix(1e9, 0))
	other := versions(t, key, "other", 1, time.Unix(1e9, 0))[0]
	id := vs[0].PackageID
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"valid", vs[1].Raw, nil},
		{"bad signature", forge(vs[1]), manifest.ErrBadSignature},
		{"another package", other.Raw, ErrForeign},
		{"too large", bytes.Repeat([]byte{1}, MaxAnnouncement+1), ErrTooLarge},
		{"garbage", []byte("not an envelope"), manifest.ErrMalformed},
		{"empty", nil, manifest.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseAnnouncement(id, tc.raw)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				require.Nil(t, s)
				return
			}
			require.NoError(t, err)
			require.Equal(t, vs[1].ID, s.ID)
		})
	}
}

func TestTopic(t *testing.T) {
	id := versions(t, testKey(t, 1), "album", 1, time.Unix(1e9, 0))[0].PackageID
	require.Equal(t, "/p2psb/follow/1.0.0/"+id.String(), Topic(id))
}
