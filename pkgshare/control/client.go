package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// ErrNoDaemon is returned when no daemon answers on the socket.
var ErrNoDaemon = errors.New("no p2psb daemon is running for this home")

// maxResponse bounds a control response body that is not streamed.
const maxResponse = 64 << 20

// Client talks to a running daemon.
type Client struct {
	hc *http.Client
}

// Dial returns a client of the daemon listening at path, or ErrNoDaemon.
func Dial(path string) (*Client, error) {
	c, err := net.DialTimeout("unix", path, time.Second)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, ErrNoDaemon
	}
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	c.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{hc: &http.Client{Transport: tr}}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// do sends a request with body (JSON-encoded unless nil) and returns the
// response once its status is 2xx; otherwise it returns the daemon's
// *Error.
func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if r, ok := body.(io.Reader); ok {
		rd = r
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://p2psb"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("daemon %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var e ErrorBody
		_ = json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&e)
		return nil, fromStatus(resp.StatusCode, e)
	}
	return resp, nil
}

// call sends a request and decodes the JSON answer into out.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
		return fmt.Errorf("daemon %s %s: %w", method, path, err)
	}
	return nil
}

// stream sends a request whose answer is streamed, passing progress frames
// to onProgress and decoding the result into out.
func (c *Client) stream(ctx context.Context, path string, body any, onProgress func(json.RawMessage) error, out any) error {
	resp, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	err = readStream(resp.Body, onProgress, out)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pathArg escapes one path segment.
func pathArg(s string) string { return url.PathEscape(s) }
