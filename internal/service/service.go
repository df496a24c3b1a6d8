// Package service is the engine behind the HTTP handlers: it implements the
// domain's service interfaces (package sfgate: DescribeService,
// SchemaService, RecordService, QueryService, LimitsService, CacheAdmin) on
// top of the describe service (internal/metadata) and a Salesforce client
// it declares as Client, speaking the Partner API's types (package
// partner) and never HTTP. It types values from describe both ways, refuses
// bad input before anything reaches Salesforce, builds SOQL from
// structured queries with every name checked and every value escaped, and
// pages queries with tamper-evident cursors. docs/service.md has the rules.
package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Record is the domain's record: a JSON object keyed by API field name.
type Record = sfgate.Record

// Client is what the service needs of the Salesforce client, in the Partner
// API's types; *salesforce.Client satisfies it (cmd/gateway checks).
type Client interface {
	Retrieve(ctx context.Context, fieldList []string, sObjectType string, ids []string, opts ...partner.Option) ([]*partner.Record, error)
	Create(ctx context.Context, records []partner.Record, opts ...partner.Option) ([]partner.SaveResult, error)
	Update(ctx context.Context, records []partner.Record, opts ...partner.Option) ([]partner.SaveResult, error)
	Upsert(ctx context.Context, externalIDField string, records []partner.Record, opts ...partner.Option) ([]partner.UpsertResult, error)
	Delete(ctx context.Context, ids []string, opts ...partner.Option) ([]partner.DeleteResult, error)
	Undelete(ctx context.Context, ids []string, opts ...partner.Option) ([]partner.UndeleteResult, error)
	Merge(ctx context.Context, requests []partner.MergeRequest, opts ...partner.Option) ([]partner.MergeResult, error)
	ConvertLead(ctx context.Context, converts []partner.LeadConvert, opts ...partner.Option) ([]partner.LeadConvertResult, error)
	Query(ctx context.Context, soql string, opts ...partner.Option) (*partner.QueryResult, error)
	QueryAll(ctx context.Context, soql string, opts ...partner.Option) (*partner.QueryResult, error)
	QueryMore(ctx context.Context, locator string, opts ...partner.Option) (*partner.QueryResult, error)
	Search(ctx context.Context, sosl string) (*partner.SearchResult, error)
	Limits() partner.LimitInfo
}

// Metadata is what the service needs of the describe service;
// *metadata.Service satisfies it.
type Metadata interface {
	DescribeGlobal(ctx context.Context) (*metadata.Global, error)
	Describe(ctx context.Context, object string) (*metadata.Object, error)
	EnsureFields(ctx context.Context, object string, names []string) (*metadata.Object, error)
	RefreshOnInvalidField(ctx context.Context, object string) (*metadata.Object, error)
	Revalidate(ctx context.Context, object string) (*metadata.Object, error)
	Invalidate(ctx context.Context, object string) error
	InvalidateAll(ctx context.Context) error
}

var _ Metadata = (*metadata.Service)(nil)

// Defaults of Config.
const (
	// DefaultCursorTTL is how long a nextCursor stays usable: a day, for
	// callers that page at their own pace (a nightly export resumed in the
	// morning), well inside the locator's life (MaxCursorTTL).
	DefaultCursorTTL = 24 * time.Hour
	// MaxCursorTTL is the longest a cursor may live: as long as the query
	// locator it carries. "Each locator and its associated results are
	// available for two days after the initial query executes" (Salesforce
	// Help 000384958, INVALID_QUERY_LOCATOR; SOAP API Developer Guide,
	// queryMore()); the 15 minutes of inactivity older guides name no
	// longer apply. A longer cursor would promise what Salesforce has
	// already dropped.
	MaxCursorTTL = 48 * time.Hour
	// DefaultPageSize is the page size when the caller names none: the
	// largest Salesforce serves, so a query costs the fewest calls.
	DefaultPageSize = 2000
	// MinCursorKey is the shortest CursorKey accepted.
	MinCursorKey = 32
)

// Config configures a Service.
type Config struct {
	// Client calls Salesforce. Required.
	Client Client
	// Metadata answers describes. Required.
	Metadata Metadata
	// Connection is the connection name; cursors carry it, so a cursor of
	// one connection is refused by another. Required.
	Connection string
	// CursorKey signs cursors (HMAC-SHA256), at least MinCursorKey bytes.
	// Replicas behind one load balancer must share it, so a cursor issued by
	// one is accepted by the others. Nil means a random key for this
	// process (demo, single replica).
	CursorKey []byte
	// CursorTTL bounds a cursor's life (default DefaultCursorTTL, at most
	// MaxCursorTTL).
	CursorTTL time.Duration
	// MaxPageRows bounds the rows of one page once its child sets are read
	// in full, parents and children counted alike (default
	// DefaultMaxPageRows); a page over it fails with CodePageTooLarge
	// rather than coming back short.
	MaxPageRows int
	// BatchConcurrency bounds the Salesforce calls one batch request has in
	// flight at once (default DefaultBatchConcurrency, at most
	// MaxBatchConcurrency). Each call still takes its slot of the
	// connection's cluster-wide cap, one call at a time.
	BatchConcurrency int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service implements the handlers' service interfaces. It is safe for
// concurrent use.
type Service struct {
	cfg Config
	// recordJSONSize is the size of a record of the last page written as
	// JSON, to size the next page's buffer (recordjson.go).
	recordJSONSize atomic.Int64
}

var (
	_ sfgate.DescribeService       = (*Service)(nil)
	_ sfgate.CachedDescribeService = (*Service)(nil)
	_ sfgate.SchemaService         = (*Service)(nil)
	_ sfgate.RecordService         = (*Service)(nil)
	_ sfgate.QueryService          = (*Service)(nil)
	_ sfgate.LimitsService         = (*Service)(nil)
	_ sfgate.CacheAdmin            = (*Service)(nil)
)

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Client == nil || cfg.Metadata == nil || cfg.Connection == "" {
		return nil, errors.New("service: Client, Metadata and Connection are required")
	}
	switch {
	case cfg.CursorKey == nil:
		cfg.CursorKey = make([]byte, MinCursorKey)
		if _, err := rand.Read(cfg.CursorKey); err != nil {
			return nil, fmt.Errorf("service: cursor key: %w", err)
		}
	case len(cfg.CursorKey) < MinCursorKey:
		return nil, fmt.Errorf("service: CursorKey has %d bytes, want at least %d", len(cfg.CursorKey), MinCursorKey)
	default:
		cfg.CursorKey = append([]byte(nil), cfg.CursorKey...)
	}
	if cfg.CursorTTL > MaxCursorTTL {
		return nil, fmt.Errorf("service: CursorTTL %s is longer than a query locator lives (%s)", cfg.CursorTTL, MaxCursorTTL)
	}
	if cfg.CursorTTL <= 0 {
		cfg.CursorTTL = DefaultCursorTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxPageRows <= 0 {
		cfg.MaxPageRows = DefaultMaxPageRows
	}
	if cfg.BatchConcurrency > MaxBatchConcurrency {
		return nil, fmt.Errorf("service: BatchConcurrency %d is over %d", cfg.BatchConcurrency, MaxBatchConcurrency)
	}
	if cfg.BatchConcurrency <= 0 {
		cfg.BatchConcurrency = DefaultBatchConcurrency
	}
	return &Service{cfg: cfg}, nil
}

// maxRefreshNames is the most unknown names one request may have for them
// to be worth a describe refresh.
const maxRefreshNames = 50

// describe returns the describe of object; an unknown object is not found.
func (s *Service) describe(ctx context.Context, object string) (*metadata.Object, error) {
	o, err := s.cfg.Metadata.Describe(ctx, object)
	if err != nil {
		return nil, describeErr(object, err)
	}
	return o, nil
}

// ensure returns the describe of object after checking it has every field in
// names (refreshing the describe once if not, so a just-added custom field
// is known). Missing fields are returned, not an error, so they can be
// reported with every other problem of the request.
func (s *Service) ensure(ctx context.Context, object string, names []string) (*metadata.Object, []string, error) {
	// Only names the cached describe lacks go to EnsureFields, and only a
	// plausible number of them: hundreds of unknown names are junk, not
	// fields an admin just added, and must not cost a refresh (nor the
	// metadata service's quadratic bookkeeping).
	x, err := s.describe(ctx, object)
	if err != nil {
		return nil, nil, err
	}
	var unknown []string
	for _, n := range names {
		if _, ok := x.Field(n); !ok {
			unknown = append(unknown, n)
		}
	}
	switch {
	case len(unknown) == 0:
		return x, nil, nil
	case len(unknown) > maxRefreshNames:
		return x, unknown, nil
	}
	o, err := s.cfg.Metadata.EnsureFields(ctx, object, unknown)
	var uf *metadata.UnknownFieldError
	switch {
	case errors.As(err, &uf) && o != nil:
		return o, uf.Fields, nil
	case err != nil:
		return nil, nil, describeErr(object, err)
	}
	return o, nil, nil
}

func describeErr(object string, err error) error {
	if errors.Is(err, metadata.ErrUnknownObject) || partner.IsCode(err, partner.CodeInvalidType) {
		return &sfgate.Error{Kind: sfgate.KindNotFound, Code: sfgate.CodeNotFound, Detail: fmt.Sprintf("the org has no object %q", object), Err: err}
	}
	return fmt.Errorf("describe %s: %w", object, err)
}
