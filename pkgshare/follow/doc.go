// Package follow keeps a node up to date with the packages it follows: it
// learns of each new version as soon as its publisher announces it, fetches
// it into the follow's target (only the chunks that changed move) and
// seeds it, and checks the providers now and then for what it missed.
//
// Terms:
//
//   - Follow: a package the node tracks, with its target directory, the
//     files to take (include/exclude globs), how many versions to keep,
//     provider and rendezvous hints (a ticket's), and its state: the
//     newest version held in the target, the newest one seen, the last
//     check, the last event and the last error. Follows live in the
//     node's database (table follow_packages; see Schema) and survive
//     restarts.
//   - Topic: the GossipSub topic of one package, TopicPrefix followed by
//     the package ID. A node joins the topic of every package it follows
//     or seeds, so followers, seeders and the publisher form one mesh.
//   - Announcement: the only message on a topic: the new version's sealed
//     manifest, exactly as manifest.Seal produced it (a libp2p signed
//     envelope, at most MaxAnnouncement bytes). Message IDs are the
//     SHA-256 of the data, so one envelope is one message whoever sends
//     it.
//   - Validation: every receiver checks an announcement before gossipsub
//     relays or delivers it (ParseAnnouncement): size, envelope, the
//     publisher's signature and that the manifest is of the topic's
//     package. A forged one is rejected (and not relayed); a valid one whose
//     version is not newer than the newest the node holds or has seen (a
//     replay, an old version) is ignored; a newer one is accepted.
//   - Check: asking the package's providers for their newest version (as
//     `fetch <pkg-id>` resolves it), once when the follow is added or the
//     node starts, then every CheckEvery, and again with backoff after a
//     failure. It is how a follower that was offline catches up.
//   - Tracker: the goroutine of one follow; announcements and the check
//     timer wake it, and it fetches each version newer than the one held.
//     Every outcome (version seen, fetched, failed and why) is an event,
//     logged and kept in the follow's state.
//
// A federating rendezvous node does not join follow topics: its host's
// gossipsub instance belongs to the rendezvous backbone. It still runs
// checks.
package follow
