// Package xfer is p2psb's chunk transfer: the /p2psb/xfer/1.0.0 libp2p
// protocol (Server) and the multi-peer downloader (Fetcher).
//
// Terms:
//
//   - Version: one sealed manifest (manifest.Sealed), named by its
//     VersionID. Only versions opened with manifest.Open are trusted.
//   - Distinct chunks: the chunks of a version in manifest order, first
//     occurrence of each hash (Chunks). Their indexes are the index space
//     of a Bitfield and of HAVE messages.
//   - Have-set: the distinct chunks a peer holds and has verified, as a
//     Bitfield. A node still fetching serves its have-set (partial
//     seeding) and tells subscribers as it grows (Server.Notify).
//   - Provider: a peer that may hold a version; discovery feeds them to a
//     fetch while it runs (Job.Providers).
//
// Protocol. Every stream starts with one Request (protobuf, varint-length
// delimited, package pb) from the client:
//
//   - GetManifest {version_id} or {package_id, version (0 = newest)}:
//     one ManifestResponse {status, manifest bytes}; the server closes.
//     The client opens the bytes with manifest.Open and checks they are
//     what it asked for.
//   - GetHave {version_id, subscribe}: a HaveResponse {status, count,
//     bitfield}. With subscribe, HaveUpdate {added indexes, complete}
//     messages follow as the set grows (an empty one is a heartbeat, at
//     least every 20s), until the set is complete or either side closes.
//   - GetChunks {version_id, elsewhere_ok}: then any number of
//     ChunkRequest {hash, size, zstd} from the client, pipelined without
//     waiting; the server answers each, in order, with a ChunkHeader
//     {status, encoding, length} and, when the status is OK, length raw
//     body bytes (not a protobuf, to avoid copies). Chunks the manifest
//     flags compressible are asked for as zstd; the server sends raw when
//     compression does not pay. elsewhere_ok says the client understands
//     ELSEWHERE answers (see Seeding). The client closes its side when
//     done.
//
// Status codes (ChunkHeader, HaveResponse, ManifestResponse): OK;
// NOT_FOUND (no such version or chunk here, or the file holding it
// changed: ErrNotFound / ErrChanged from the Store); BAD_REQUEST
// (malformed or out of bounds: ErrBadRequest); INTERNAL (ErrRemote on the
// client); ELSEWHERE (ChunkHeader only, and only to a client that set
// elsewhere_ok: the chunk is here but was handed to another peer fetching
// the version; get it from the others, or ask again later). Framing errors
// and oversized messages reset the stream.
//
// Bounds: a control message is at most 1 MiB, a ManifestResponse at most
// manifest.MaxManifestSize plus 4 KiB, a chunk body at most its manifest
// size (raw: exactly; zstd: less), manifest.MaxChunkSize in any case.
// Every stream has a deadline refreshed as data moves (a server resets a
// stream idle for the idle timeout; a client one owing it answers for the
// request timeout); errors Reset a stream, success Closes it. A client
// ends a HAVE subscription by closing its side (the server then closes);
// a completed fetch closes its streams this way, waiting up to 2s before
// resetting what is left.
//
// Fetching. A Fetcher pulls the chunks a Sink lacks from every provider at
// once: one HAVE subscription and one pipelined chunk stream per peer, a
// request window per peer sized by its measured throughput (faster peers
// get more), rarest chunks first, duplicate requests for the last chunks
// (endgame), requests of a timed-out peer moved to others. Bodies are
// decompressed, hashed (with the manifest's HashAlgo) and written to the
// Sink by verify workers, off the goroutines reading the sockets; a chunk
// that fails its hash drops its sender from the fetch (ErrBadPeer,
// Job.BadPeer). A chunk a peer answers ELSEWHERE for goes to the other
// peers, and is not asked of that peer again before a back-off (50ms,
// doubling to 800ms) ends; the peer stays in the fetch.
//
// Seeding. A server holding a whole version rations its upload while more
// than one peer has a chunk stream for the version open: it hands each
// chunk to one fetcher, and answers ELSEWHERE to the others' requests for
// it while that first copy is under way (up to 10s) and for 2s after it
// went out, so that the fetchers trade the copies among themselves
// (BitTorrent's super-seeding, in spirit). After that it serves the chunk
// to anyone; a first copy whose stream ends before it is sent no longer
// holds others back. The state is in memory and per version, while its
// chunk streams are open.
//
// Paths. A peer behind a NAT may be reached only through a circuit relay,
// on a limited connection. Manifest and HAVE streams run on it; chunk
// streams wait (WithDirectWait, 15s) for the direct connection hole
// punching makes, and use the relay only if its data limit per connection
// holds a chunk of the largest size. Otherwise the peer is dropped with a
// *NoDirectPathError, which ends the fetch once no other peer is left
// (see path.go). Stats.Relayed counts the bytes that came through relays.
//
// Errors: ErrNotFound, ErrChanged, ErrBadRequest, ErrRemote, ErrBadPeer,
// ErrProtocol, ErrTimeout, ErrNoProviders, ErrStalled; match them with
// errors.Is. *NoDirectPathError; match it with errors.As.
package xfer
