package control

import (
	"context"
	"net/http"

	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Follow has the daemon follow a package (or change a follow's options);
// it checks the package at once and fetches in the background.
func (c *Client) Follow(ctx context.Context, cfg follow.Config) (follow.Follow, error) {
	var f follow.Follow
	return f, c.call(ctx, http.MethodPost, "/v1/follows", cfg, &f)
}

// Follows lists the daemon's follows with their state.
func (c *Client) Follows(ctx context.Context) ([]follow.Follow, error) {
	var out []follow.Follow
	return out, c.call(ctx, http.MethodGet, "/v1/follows", nil, &out)
}

// Unfollow has the daemon stop following a package.
func (c *Client) Unfollow(ctx context.Context, id manifest.PackageID) (follow.Follow, error) {
	var f follow.Follow
	return f, c.call(ctx, http.MethodDelete, "/v1/follows/"+pathArg(id.String()), nil, &f)
}
