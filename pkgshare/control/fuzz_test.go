package control

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzReadStream feeds arbitrary daemon answers to the client's stream
// reader: it returns a result or an error, and never panics.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte(`{"progress":{"total":10,"done":5}}` + "\n" + `{"result":{"id":"x"}}` + "\n"))
	f.Add([]byte(`{"error":{"error":"no","bad_input":true}}` + "\n"))
	f.Add([]byte(`{"progress":1}`))
	f.Add([]byte("\n\n{}\n"))
	f.Add(bytes.Repeat([]byte("a"), maxFrame+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out map[string]any
		_ = readStream(bytes.NewReader(data), func(json.RawMessage) error { return nil }, &out)
	})
}

// FuzzDecodeRequest feeds arbitrary request bodies to the server's
// decoder: bodies over MaxRequest, unknown fields and bad JSON are refused
// as bad input.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"path":"/a","name":"n"}`))
	f.Add([]byte(`{"ref":"x","dir":"/","timeout":5}`))
	f.Add([]byte(`{"id":"12D3KooW","alias":"a"}`))
	f.Add([]byte(`{"package":"pkg_aaaa","keep":1,"dry_run":true}`))
	f.Add([]byte(`{"unknown":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{new(PublishRequest), new(FetchRequest), new(BuddyRequest), new(PruneRequest)} {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			err := decode(httptest.NewRecorder(), r, v)
			if err != nil && !badInput(err) {
				t.Fatalf("decode error %v is not bad input", err)
			}
			if len(body) > MaxRequest && err == nil {
				t.Fatalf("a body of %d bytes was accepted", len(body))
			}
		}
	})
}
