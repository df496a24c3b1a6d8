package salesforce

import (
	"context"
	"fmt"
	"net/url"
)

// Login calls login() on loginURL (scheme and host, e.g.
// "https://login.salesforce.com", a My Domain or the emulator) at the given
// API version ("64.0" at most: Salesforce removed login() from 65.0). It
// needs no session. It is not retried except when the connection could not
// be opened: every login spends the user's hourly allowance.
func (c *Client) Login(ctx context.Context, loginURL, version, username string, password Secret) (*LoginResult, error) {
	const op = "login"
	u, err := url.Parse(loginURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalidInput(op, "", fmt.Sprintf("login URL %q is not an absolute http(s) URL", loginURL))
	}
	if !versionRE.MatchString(version) {
		return nil, invalidInput(op, "", fmt.Sprintf("API version %q is not of the form NN.0", version))
	}
	var res *LoginResult
	err = c.invoke(ctx, &call{
		op: op, idem: NotIdempotent,
		endpoint: u.Scheme + "://" + u.Host + "/services/Soap/u/" + version,
		body: func(w *envWriter) {
			w.open("login")
			w.leaf("username", "username", username)
			w.leaf("password", "password", password.Reveal())
			w.close("login")
		},
		decode: func(d *decoder) { res = d.loginResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

func instanceURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
