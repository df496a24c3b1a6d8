package salesforce

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// DefaultAPIVersion is the Partner API version used when Config.APIVersion
// is empty: the version of the WSDL the client is written and tested against.
const DefaultAPIVersion = "58.0"

// Limits of the Partner API the client enforces by chunking.
const (
	// MaxWriteBatch is the most records create, update, upsert, delete,
	// undelete and merge accept per call.
	MaxWriteBatch = 200
	// MaxRetrieveBatch is the most ids retrieve accepts per call.
	MaxRetrieveBatch = 2000
	// MaxDescribeBatch is the most types describeSObjects accepts per call.
	MaxDescribeBatch = 100
)

// Config configures a Client. The zero value of every field but Sessions
// has a sensible default.
type Config struct {
	// Sessions hands out the session of every call but Login. Required for
	// data calls.
	Sessions SessionSource
	// APIVersion is the Partner API version of data calls, e.g. "58.0".
	APIVersion string
	// HTTPClient overrides the HTTP client; its Transport should be one
	// from NewTransport. Default: a client over NewTransport(TransportConfig{}).
	HTTPClient *http.Client
	// CallTimeout bounds each SOAP call (all its attempts) when ctx has no
	// earlier deadline. Default 2 minutes.
	CallTimeout time.Duration
	// MaxResponseBytes caps an answer's decompressed size. Default 64 MiB.
	MaxResponseBytes int64
	// MaxDepth caps the XML nesting depth of an answer. Default 64.
	MaxDepth int
	// GzipRequestsAbove gzips request bodies larger than this many bytes
	// (Content-Encoding: gzip). Default 16 KiB; negative disables.
	GzipRequestsAbove int
	// Retry is the retry policy; the zero value means DefaultRetryPolicy().
	Retry RetryPolicy
	// ClientName is sent as CallOptions/client when not empty.
	ClientName string
}

// Client calls the Salesforce SOAP Partner API. It is safe for concurrent
// use; create one per Salesforce connection and reuse it.
type Client struct {
	cfg Config
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	return &Client{cfg: cfg}, nil
}

// Limits returns the API usage Salesforce reported in the last answer that
// carried a LimitInfoHeader.
func (c *Client) Limits() LimitInfo { return LimitInfo{} }

// Login calls login() on loginURL (scheme and host, e.g.
// "https://login.salesforce.com") at the given API version. It needs no
// session and is never retried except when the request could not be sent.
func (c *Client) Login(ctx context.Context, loginURL, version, username string, password Secret) (*LoginResult, error) {
	return nil, errNotYet("login")
}

// DescribeGlobal lists the org's objects.
func (c *Client) DescribeGlobal(ctx context.Context) (*DescribeGlobalResult, error) {
	return nil, errNotYet("describeGlobal")
}

// DescribeSObject describes one object.
func (c *Client) DescribeSObject(ctx context.Context, sObjectType string) (*DescribeSObjectResult, error) {
	return nil, errNotYet("describeSObject")
}

// DescribeSObjects describes several objects, 100 per call, results in
// input order.
func (c *Client) DescribeSObjects(ctx context.Context, sObjectTypes []string) ([]DescribeSObjectResult, error) {
	return nil, errNotYet("describeSObjects")
}

// Query runs query() and returns the first page.
func (c *Client) Query(ctx context.Context, soql string, opts ...Option) (*QueryResult, error) {
	return nil, errNotYet("query")
}

// QueryAll runs queryAll() (deleted and archived rows included) and returns
// the first page.
func (c *Client) QueryAll(ctx context.Context, soql string, opts ...Option) (*QueryResult, error) {
	return nil, errNotYet("queryAll")
}

// QueryMore fetches the page after locator.
func (c *Client) QueryMore(ctx context.Context, locator string, opts ...Option) (*QueryResult, error) {
	return nil, errNotYet("queryMore")
}

// Pages returns an iterator over the pages of soql; includeDeleted selects
// queryAll. No page is fetched before Next asks for it.
func (c *Client) Pages(soql string, includeDeleted bool, opts ...Option) *QueryIterator {
	return &QueryIterator{}
}

// Records iterates over every record of soql, fetching page after page as
// the loop consumes them; the loop's ctx bounds every fetch.
func (c *Client) Records(ctx context.Context, soql string, includeDeleted bool, opts ...Option) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {}
}

// QueryIterator fetches the pages of a query one by one.
type QueryIterator struct{}

// Next fetches the next page and reports whether there is one.
func (it *QueryIterator) Next(ctx context.Context) bool { return false }

// Page returns the page Next fetched.
func (it *QueryIterator) Page() *QueryResult { return nil }

// Err returns the error that stopped the iteration, if any.
func (it *QueryIterator) Err() error { return nil }

// Retrieve fetches records by id, 2,000 ids per call; the result has one
// entry per id in input order, nil where Salesforce returned none.
func (c *Client) Retrieve(ctx context.Context, fieldList []string, sObjectType string, ids []string, opts ...Option) ([]*Record, error) {
	return nil, errNotYet("retrieve")
}

// Search runs a SOSL search.
func (c *Client) Search(ctx context.Context, sosl string) (*SearchResult, error) {
	return nil, errNotYet("search")
}

// Create inserts records, 200 per call; one result per record, input order.
func (c *Client) Create(ctx context.Context, records []Record, opts ...Option) ([]SaveResult, error) {
	return nil, errNotYet("create")
}

// Update updates records by ID, 200 per call; one result per record.
func (c *Client) Update(ctx context.Context, records []Record, opts ...Option) ([]SaveResult, error) {
	return nil, errNotYet("update")
}

// Upsert inserts or updates records matched on externalIDField.
func (c *Client) Upsert(ctx context.Context, externalIDField string, records []Record, opts ...Option) ([]UpsertResult, error) {
	return nil, errNotYet("upsert")
}

// Delete deletes records by id.
func (c *Client) Delete(ctx context.Context, ids []string, opts ...Option) ([]DeleteResult, error) {
	return nil, errNotYet("delete")
}

// Undelete restores records from the recycle bin.
func (c *Client) Undelete(ctx context.Context, ids []string, opts ...Option) ([]UndeleteResult, error) {
	return nil, errNotYet("undelete")
}

// Merge merges records.
func (c *Client) Merge(ctx context.Context, requests []MergeRequest, opts ...Option) ([]MergeResult, error) {
	return nil, errNotYet("merge")
}

// ConvertLead converts leads.
func (c *Client) ConvertLead(ctx context.Context, converts []LeadConvert, opts ...Option) ([]LeadConvertResult, error) {
	return nil, errNotYet("convertLead")
}

// GetUserInfo returns the session user's information.
func (c *Client) GetUserInfo(ctx context.Context) (*GetUserInfoResult, error) {
	return nil, errNotYet("getUserInfo")
}

// GetServerTimestamp returns Salesforce's clock.
func (c *Client) GetServerTimestamp(ctx context.Context) (time.Time, error) {
	return time.Time{}, errNotYet("getServerTimestamp")
}

// RetryPolicy decides which failed calls are retried and how long to wait.
type RetryPolicy struct {
	// MaxAttempts is the most attempts of one call, the first included.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the exponential backoff.
	BaseDelay, MaxDelay time.Duration
	// BudgetPerSecond and BudgetBurst size the token bucket that caps
	// retries across all calls of a Client.
	BudgetPerSecond float64
	BudgetBurst     int
}

// DefaultRetryPolicy returns the policy used when Config.Retry is zero.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, BudgetPerSecond: 2, BudgetBurst: 20}
}

func errNotYet(op string) error {
	return &Error{Op: op, Kind: KindInvalidInput, Message: "not implemented yet"}
}

func instanceURL(s string) string { return "" }
