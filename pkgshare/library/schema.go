package library

import "github.com/p2psb/p2psb/peerstore/sqlitedb"

// Schema is the package library's tables. Step i moves them from version i
// to i+1; released steps are never edited.
var Schema = sqlitedb.Schema{
	Component: "pkgshare",
	Steps: []string{
		// 1: packages, their versions, the files of each version and where
		// every chunk can be read from.
		`CREATE TABLE pkgshare_packages(
			id         TEXT PRIMARY KEY,  -- manifest.PackageID string
			name       TEXT NOT NULL,
			publisher  TEXT NOT NULL,     -- publisher's peer ID
			added_at   INTEGER NOT NULL   -- unix seconds
		);
		CREATE TABLE pkgshare_versions(
			id          TEXT PRIMARY KEY, -- manifest.VersionID string
			package_id  TEXT NOT NULL REFERENCES pkgshare_packages(id) ON DELETE CASCADE,
			version     INTEGER NOT NULL,
			envelope    BLOB NOT NULL,    -- the sealed manifest as published
			root        TEXT NOT NULL,    -- directory holding the files on disk
			size        INTEGER NOT NULL,
			files       INTEGER NOT NULL,
			chunks      INTEGER NOT NULL,
			created_at  INTEGER NOT NULL, -- manifest creation, unix seconds
			added_at    INTEGER NOT NULL,
			UNIQUE(package_id, version)
		);
		CREATE TABLE pkgshare_files(
			version_id  TEXT NOT NULL REFERENCES pkgshare_versions(id) ON DELETE CASCADE,
			idx         INTEGER NOT NULL, -- position in the manifest
			path        TEXT NOT NULL,    -- package path
			disk_path   TEXT NOT NULL,    -- absolute path of the file on disk
			size        INTEGER NOT NULL,
			mtime_ns    INTEGER NOT NULL, -- modification time when hashed
			PRIMARY KEY(version_id, idx)
		);
		CREATE TABLE pkgshare_chunks(
			hash         BLOB NOT NULL,   -- SHA-256 of the chunk
			version_id   TEXT NOT NULL,
			file_idx     INTEGER NOT NULL,
			offset       INTEGER NOT NULL,
			length       INTEGER NOT NULL,
			compressible INTEGER NOT NULL,
			FOREIGN KEY(version_id, file_idx) REFERENCES pkgshare_files(version_id, idx) ON DELETE CASCADE
		);
		CREATE INDEX pkgshare_chunks_hash ON pkgshare_chunks(hash);
		CREATE INDEX pkgshare_chunks_file ON pkgshare_chunks(version_id, file_idx);`,
		// 2: versions being fetched. A fetched version is recorded when its
		// fetch starts, incomplete, with the bitfield of the distinct chunks
		// already written to its partial files, so a fetch resumes after a
		// crash; complete versions have have = NULL.
		`ALTER TABLE pkgshare_versions ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
		ALTER TABLE pkgshare_versions ADD COLUMN have BLOB;`,
		// 3: files found, while being served, no longer to match their
		// manifest although their size and modification time did not move
		// (Recheck); they are not served until Verify or Publish finds
		// them matching again.
		`ALTER TABLE pkgshare_files ADD COLUMN unservable INTEGER NOT NULL DEFAULT 0;`,
		// 4: where a version came from (fetched = 1: a fetch wrote it into
		// its target; 0: published here in place, and so every version
		// recorded before this step until MarkFetched finds those of
		// other publishers; prune never deletes a published file),
		// and the files a prune has forgotten but not yet deleted, so an
		// interrupted prune is finished by the next (see Prune); files are
		// looked up by their path on disk.
		`ALTER TABLE pkgshare_versions ADD COLUMN fetched INTEGER NOT NULL DEFAULT 0;
		CREATE TABLE pkgshare_prune_files(
			disk_path  TEXT PRIMARY KEY,  -- absolute path of the file on disk
			root       TEXT NOT NULL,     -- its version's target: empty directories are removed up to it
			size       INTEGER NOT NULL,  -- as the forgotten version recorded it
			mtime_ns   INTEGER NOT NULL
		);
		CREATE INDEX pkgshare_files_disk_path ON pkgshare_files(disk_path);`,
		// 5: which files of a version are on disk, verified: all of a
		// complete version's; of an incomplete one, those a selective
		// fetch finished, which are served.
		`ALTER TABLE pkgshare_files ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
		UPDATE pkgshare_files SET present = 0 WHERE version_id IN
			(SELECT id FROM pkgshare_versions WHERE complete = 0);`,
	},
}
