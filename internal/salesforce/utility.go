package salesforce

import (
	"context"
	"time"
)

// GetUserInfo returns the session user's information.
func (c *Client) GetUserInfo(ctx context.Context) (*GetUserInfoResult, error) {
	var res *GetUserInfoResult
	err := c.invoke(ctx, &call{
		op: "getUserInfo", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<getUserInfo/>"...) },
		decode: func(d *decoder) { res = d.userInfoResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr("getUserInfo", "answer holds no result")
	}
	return res, nil
}

// GetServerTimestamp returns Salesforce's clock.
func (c *Client) GetServerTimestamp(ctx context.Context) (time.Time, error) {
	var ts time.Time
	var ok bool
	err := c.invoke(ctx, &call{
		op: "getServerTimestamp", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<getServerTimestamp/>"...) },
		decode: func(d *decoder) { ts, ok = d.serverTimestamp() },
	})
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, decodeErr("getServerTimestamp", "answer holds no timestamp")
	}
	return ts, nil
}
