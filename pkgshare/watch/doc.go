// Package watch publishes a directory again whenever its files change: a
// watched folder (p2psb publish --watch, serve --publish-watch).
//
// Terms:
//
//   - Event: a change fsnotify reports under the directory (a file
//     created, written, removed, renamed). Every directory under it is
//     watched, and a directory created later is watched from when its
//     creation is seen (its files then count as changed).
//   - Changed file: a path named by an event since the last publish,
//     with its size and modification time as they were at its last event.
//   - Settle period: how long the tree must stay quiet (no event) before
//     it is published. A burst of writes therefore makes one version.
//   - Stable: when the settle period has passed, every changed file is
//     looked at again; if one's size or modification time moved since
//     its last event (a writer whose writes raise no event, or events
//     lost), the tree is not stable and the watcher waits another settle
//     period. A file still being written is never published.
//   - Publish: the caller's function that publishes the directory (into
//     the library, or through the daemon). A publish whose tree hashes to
//     the newest version's files records nothing (library.PublishResult
//     Unchanged); one that finds a file changing while it is hashed is
//     tried again after the next settle period.
//
// A Watcher has one owner goroutine; Close cancels it, waits for it and
// releases the fsnotify watches. Its clock is injectable (Options.Clock),
// so tests move time instead of sleeping.
package watch
