// Package control is the daemon's control socket: while `p2psb serve` runs,
// other p2psb commands of the same home talk to it over HTTP with JSON
// bodies on a Unix socket in the home directory (mode 0600, so only the
// owner can use it). Commands that change what the node serves or whom it
// keeps connected (publish, fetch, packages rm and prune, buddy add/rm) must go
// through it: the daemon caches its peerstore and library state, so writes
// by another process would not reach it. Commands that ask the network
// once (locate, a peer's packages, the rendezvous list) go through it too,
// rather than start a second node with the same key.
//
// Endpoints (all under /v1; request bodies are JSON, at most MaxRequest
// bytes):
//
//	GET    /v1/status          Status: the node, its buddies' states
//	POST   /v1/publish         PublishRequest; streams, result library.PublishResult
//	POST   /v1/fetch           FetchRequest; streams, result fetch.Result
//	GET    /v1/packages        []library.PackageInfo
//	DELETE /v1/packages/{ref}  forget a package (or version ref); result []library.VersionInfo
//	POST   /v1/packages/prune  PruneRequest: forget old fetched versions, delete their files; result library.PruneResult
//	GET    /v1/buddies         []Buddy
//	POST   /v1/buddies         BuddyRequest; result Buddy
//	DELETE /v1/buddies/{who}   remove the buddy with this node ID or alias; result Buddy
//	GET    /v1/peers           []Peer
//	GET    /v1/peers/export    the peerstore's export document
//	POST   /v1/peers/import    an export document (at most MaxImport bytes); result peerstore.ImportStats
//	GET    /v1/peers/{who}/packages  PeerCatalog: what the peer (node ID or buddy alias) shares
//	GET    /v1/locate/{id}     node.Location: where the node is now
//	GET    /v1/rendezvous      []node.RendezvousNode: the rendezvous nodes the configured ones know
//	POST   /v1/follows         follow.Config; result follow.Follow (the daemon checks it at once)
//	GET    /v1/follows         []follow.Follow: the followed packages and their state
//	DELETE /v1/follows/{id}    stop following the package; result follow.Follow
//
// A streamed answer is JSON lines, each a Frame: progress frames, then one
// frame with the result or the error. Closing the request (Ctrl-C in the
// client) cancels the work in the daemon; what a fetch got so far stays and
// is served.
//
// Errors: a non-2xx status with an ErrorBody, or an error Frame. Bad input
// (400 Bad Request, 404 Not Found, or bad_input in a frame) comes back from
// the Client as an *Error whose InvalidInput is true, so the command exits
// with the same code as when it runs locally; the message is the daemon's
// error text unchanged.
package control
