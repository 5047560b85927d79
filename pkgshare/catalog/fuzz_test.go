package catalog

import (
	"bytes"
	"testing"

	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// frames encodes messages as a delimited stream.
func frames(msgs ...proto.Message) []byte {
	var buf bytes.Buffer
	w := pbio.NewDelimitedWriter(&buf)
	for _, m := range msgs {
		_ = w.WriteMsg(m)
	}
	return buf.Bytes()
}

func FuzzReadPage(f *testing.F) {
	ms := testManifests(f, 2)
	f.Add(frames(&pb.Response{Kind: &pb.Response_End{End: &pb.End{}}}))
	f.Add(frames(
		&pb.Response{Kind: &pb.Response_Manifest{Manifest: ms[0].Raw}},
		&pb.Response{Kind: &pb.Response_Manifest{Manifest: ms[1].Raw}},
		&pb.Response{Kind: &pb.Response_End{End: &pb.End{Cursor: []byte("next")}}}))
	f.Add(frames(&pb.Response{Kind: &pb.Response_End{End: &pb.End{Status: pb.Status_STATUS_BAD_REQUEST, Message: "no"}}}))
	f.Add(frames(&pb.Response{}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxCount, budget = 3, 4096
		pg, err := readPageBounded(bytes.NewReader(data), maxCount, budget, 64<<10)
		if err != nil {
			return
		}
		if len(pg.manifests) > maxCount {
			t.Fatalf("%d manifests, more than %d", len(pg.manifests), maxCount)
		}
		total := 0
		for _, m := range pg.manifests {
			total += len(m)
		}
		if total > budget {
			t.Fatalf("%d bytes of manifests, more than %d", total, budget)
		}
		if len(pg.cursor) > MaxCursor || (len(pg.cursor) > 0 && len(pg.manifests) == 0) {
			t.Fatalf("bad cursor %q with %d manifests", pg.cursor, len(pg.manifests))
		}
		l := &Listing{}
		for i, raw := range pg.manifests {
			l.add(i, raw, map[manifest.PackageID]bool{})
		}
	})
}

func FuzzReadRequest(f *testing.F) {
	f.Add(frames(&pb.Request{}))
	f.Add(frames(&pb.Request{Cursor: []byte("pkg_abc"), Limit: 10}))
	f.Add(frames(&pb.Request{Cursor: make([]byte, MaxCursor+1)}))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := readRequest(bytes.NewReader(data))
		if err == nil && len(req.Cursor) > MaxCursor {
			t.Fatalf("accepted a %d-byte cursor", len(req.Cursor))
		}
	})
}
