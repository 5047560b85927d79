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
//   - Hold: while a local copy runs (PlanLocal, CopyLocal) finished files
//     stay partial, so an upgrade in place reads the old files before any
//     is replaced; Release lets them move.
//
// A Sink is the xfer.Sink of one fetch, and serves the chunks it has
// written to other peers meanwhile (ReadChunk, through pkgshare/seeder).
package sink
