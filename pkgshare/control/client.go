package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/p2psb/p2psb/pkgshare"
)

// ErrNoDaemon is returned when no daemon answers on the socket.
var ErrNoDaemon = errors.New("no p2psb daemon is running for this home")

// maxResponse bounds a control response body.
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

// Status asks the daemon for its node's status.
func (c *Client) Status(ctx context.Context) (*pkgshare.Status, error) {
	var st pkgshare.Status
	if err := c.get(ctx, "/v1/status", &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (c *Client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://p2psb"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("daemon %s: %w", path, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxResponse)
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.NewDecoder(body).Decode(&e)
		return fmt.Errorf("daemon %s: %s: %s", path, resp.Status, e.Error)
	}
	if err := json.NewDecoder(body).Decode(out); err != nil {
		return fmt.Errorf("daemon %s: %w", path, err)
	}
	return nil
}
