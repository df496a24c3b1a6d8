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

// GetUserInfoResult mirrors the WSDL's GetUserInfoResult.
type GetUserInfoResult struct {
	AccessibilityMode          bool
	ChatterExternal            bool
	CurrencySymbol             string
	OrgAttachmentFileSizeLimit int
	OrgDefaultCurrencyIsoCode  string
	OrgDefaultCurrencyLocale   string
	OrgDisallowHTMLAttachments bool
	OrgHasPersonAccounts       bool
	OrganizationID             string
	OrganizationMultiCurrency  bool
	OrganizationName           string
	ProfileID                  string
	RoleID                     string
	SessionSecondsValid        int
	UserDefaultCurrencyIsoCode string
	UserEmail                  string
	UserFullName               string
	UserID                     string
	UserLanguage               string
	UserLocale                 string
	UserName                   string
	UserTimeZone               string
	UserType                   string
	UserUISkin                 string
}

// LoginResult mirrors the WSDL's LoginResult. SessionID is a Secret so it
// never reaches a log by accident.
type LoginResult struct {
	MetadataServerURL string
	PasswordExpired   bool
	Sandbox           bool
	// ServerURL is where data calls go, e.g.
	// https://acme.my.salesforce.com/services/Soap/u/58.0/00D…
	ServerURL string
	SessionID Secret
	UserID    string
	// UserInfo is nil when the answer omitted it.
	UserInfo *GetUserInfoResult
}

// InstanceURL returns the scheme and host of ServerURL, the value a Session's
// InstanceURL expects, or "" when ServerURL is not an absolute URL.
func (r *LoginResult) InstanceURL() string {
	return instanceURL(r.ServerURL)
}
