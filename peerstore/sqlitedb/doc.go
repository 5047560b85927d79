// Package sqlitedb holds the two conventions every table owner in a p2psb
// database follows: how the file is opened (DSN) and how each owner's
// tables are versioned in it (Schema, Migrate).
//
// Terms:
//
//   - Database: one SQLite file that several owners share (the package
//     library, the peerstore, the rendezvous server) and several processes
//     open at once.
//   - Component: one owner of tables in it, with a name and its own
//     numbered migrations.
//   - Migration: a step that moves a component's tables from version i to
//     i+1. The shared table schema_migrations records each component's
//     version, so components migrate independently of each other.
//
// It lives under peerstore, which imports nothing else of p2psb, so that
// rendezvous and pkgshare can share it and peerstore and rendezvous stay
// free of pkgshare. It imports only database/sql.
package sqlitedb
