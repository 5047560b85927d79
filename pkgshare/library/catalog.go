package library

import (
	"context"
	"fmt"

	"github.com/p2psb/p2psb/pkgshare/catalog"
)

var _ catalog.Source = (*Library)(nil)

// Catalog implements catalog.Source: the envelope of the newest version
// of each package that the node offers (VersionInfo.Offered), in package ID order; a page's cursor is the
// package ID of its last entry.
func (l *Library) Catalog(ctx context.Context, after string, limit, maxBytes int) ([]catalog.Entry, bool, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT v.package_id, v.envelope FROM pkgshare_versions v
		WHERE v.package_id > ? AND v.version = (SELECT max(w.version) FROM pkgshare_versions w
			WHERE w.package_id = v.package_id AND w.complete = 1 AND NOT EXISTS(
				SELECT 1 FROM pkgshare_files f WHERE f.version_id = w.id AND f.unservable = 1))
		ORDER BY v.package_id LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list the catalog: %w", err)
	}
	defer rows.Close()
	var out []catalog.Entry
	size := 0
	for rows.Next() {
		if len(out) == limit || (len(out) > 0 && size >= maxBytes) {
			return out, true, nil
		}
		var e catalog.Entry
		if err := rows.Scan(&e.Cursor, &e.Manifest); err != nil {
			return nil, false, fmt.Errorf("list the catalog: %w", err)
		}
		size += len(e.Manifest)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list the catalog: %w", err)
	}
	return out, false, nil
}
