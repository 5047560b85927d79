// Package home manages a p2psb node's home directory: the directory itself
// (created with mode 0700), the node identity and the node's SQLite database.
//
// Terms:
//
//   - Home: one directory per node, holding identity.key, p2psb.db, the
//     optional config.toml and, while a daemon runs, its control socket.
//   - Identity: the node's Ed25519 libp2p private key, stored in
//     identity.key (libp2p's protobuf key encoding, mode 0600). It is
//     created on first use and never overwritten; a key file that is not a
//     regular file, has loose permissions, or holds unparsable or corrupt
//     key material (an Ed25519 public half its seed does not derive, a zero
//     secp256k1 scalar) is refused.
//   - Database: p2psb.db, opened in WAL mode with a busy timeout, foreign
//     keys on and immediate write transactions, so several processes can
//     share it and a SIGKILL loses no committed write. It and its -wal and
//     -shm files are readable by their owner only (mode 0600), whatever
//     the umask. A p2psb.db that holds no database (an empty file
//     included) is refused, never replaced by a new one.
//   - Tables: each component (the package library, the peerstore, the
//     rendezvous server) owns its tables and migrates them itself, with
//     peerstore/sqlitedb, when it opens the database.
package home
