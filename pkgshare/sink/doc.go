// Package sink writes a fetched version to disk: partial files, their
// progress, and moving each file to its final path.
//
// Terms:
//
//   - Target: the directory a fetch writes the version's files into
//     (PrepareTarget).
//   - Partial file: where a file's chunks go while it is fetched,
//     <target>/.p2psb-partial/<version-id>/f<index> (PartialDir), named by
//     the file's index so no path from the manifest is used before the
//     file is complete; it then moves to its final path, which must lie
//     inside the target.
//   - Have: the bitfield of the distinct chunks written, the index space
//     of xfer.Chunks; it is saved in the library (library.SaveProgress)
//     at most every flushEvery and when the sink closes, so a killed
//     fetch resumes from it (Open reconciles it with the disk).
//   - No links: every path under the target is opened, created, renamed
//     and removed without following a symbolic link (openat2 with
//     RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or O_NOFOLLOW at each
//     component); a link on the way (the partial directory, a partial
//     file, a directory or file of the package) fails the fetch with an
//     error naming it. The partial directories are created 0700.
//   - Lock: a fetch holds an flock on <version-id>/lock in the partial
//     directory while it runs, so a second fetch of the version into the
//     same target fails at once with ErrRunning; the lock dies with its
//     process.
//   - In the way: a file at one of the version's final paths that p2psb
//     did not write (the library records no complete version with that
//     file, unchanged since). Open refuses the fetch before writing
//     anything, naming it, and a file that appears there while the fetch
//     runs stops it when its file would replace it, unless
//     Options.Overwrite is set.
//   - Hold: while a local copy runs (PlanLocal, CopyLocal) finished files
//     stay partial, so an upgrade in place reads the old files before any
//     is replaced; Release lets them move.
//
// A Sink is the xfer.Sink of one fetch, and serves the chunks it has
// written to other peers meanwhile (ReadChunk, through pkgshare/seeder).
package sink
