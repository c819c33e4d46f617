// Package live reads an AWS account for the audit through aws-sdk-go-v2,
// and hands back what it read as an audit.Snapshot: the same files, in the
// same shape, that `aws ... describe-*` prints, so that a live audit and an
// offline audit of its saved snapshot are one code path from there on.
//
// Only the operations of audit.Calls are sent: every client carries a
// middleware that refuses any other, so the IAM policy derived from that
// table (audit.Policy) covers every call by construction. Every paginator
// is followed; throttled calls are retried with the SDK's standard retryer
// (exponential backoff with jitter); a denied call is recorded with the
// permission it needs and the read goes on with the rest.
//
// The services are read concurrently, and so are the calls of a service
// that do not need each other's output, with at most Options.Concurrency
// requests in flight; every list asks for the largest page its API allows.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/acme/platform/audit"
)

// Options configure a live read. Everything not set here comes from the
// usual AWS environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, the
// shared config and credentials files (SSO, assumed roles, ...).
type Options struct {
	// Region overrides AWS_REGION and the profile's region.
	Region string
	// Profile overrides AWS_PROFILE.
	Profile string
	// EndpointURL sends every call to this endpoint (an AWS API double,
	// a VPC endpoint proxy); AWS_ENDPOINT_URL does the same.
	EndpointURL string
	// Progress receives one line per service; nil discards them.
	Progress io.Writer
	// MaxAttempts per call, retries included. Default 10: an audit would
	// rather wait out throttling than report an account half read.
	MaxAttempts int
	// MaxBackoff caps the delay between attempts. Default: the SDK's (20s).
	MaxBackoff time.Duration
	// HTTPClient replaces the SDK's default HTTP client.
	HTTPClient *http.Client
	// Concurrency bounds the requests in flight at once, across every
	// service. Default 8: well inside the request rates AWS grants a
	// Describe call (EC2's bucket holds 100 and refills 20 a second), so
	// the read is not throttled into taking longer.
	Concurrency int
}

// Read reads the account. The error is for what stops the whole read (no
// region, unusable credentials configuration); a call that fails is
// recorded in the snapshot's manifest instead, and the read goes on.
func Read(ctx context.Context, opts Options) (*audit.Snapshot, error) {
	var load []func(*config.LoadOptions) error
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.EndpointURL != "" {
		load = append(load, config.WithBaseEndpoint(opts.EndpointURL))
	}
	if opts.HTTPClient != nil {
		load = append(load, config.WithHTTPClient(opts.HTTPClient))
	}
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 10
	}
	load = append(load, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			if opts.MaxBackoff > 0 {
				o.MaxBackoff = opts.MaxBackoff
			}
			// The standard retryer also limits retries with a client-side
			// token bucket, which a long throttled read would drain and
			// then fail on; backoff alone is what AWS asks for.
			o.RateLimiter = ratelimit.None
		})
	}))
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: give --region or set AWS_REGION")
	}
	// The bound wraps the client the configuration built, so what the
	// environment set on it (AWS_CA_BUNDLE, proxies) stays.
	inFlight := opts.Concurrency
	if inFlight <= 0 {
		inFlight = 8
	}
	cfg.HTTPClient = &boundedClient{inner: cfg.HTTPClient, slots: make(chan struct{}, inFlight)}
	r := &reader{
		ctx:      ctx,
		cfg:      cfg,
		progress: opts.Progress,
		snap:     &audit.Snapshot{Manifest: &audit.Manifest{Region: cfg.Region}, Files: map[string][]byte{}},
	}
	if r.progress == nil {
		r.progress = io.Discard
	}
	// Every service is read at once, and so are the independent calls of
	// a service; the HTTP client bounds what is in flight.
	var wg sync.WaitGroup
	for _, s := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.service(s.name, s.read)
		}()
	}
	wg.Wait()
	r.snap.Manifest.Calls = r.sortedResults()
	return r.snap, nil
}

// reader collects what the services read. Each service records into its
// own svc and hands the lot over when it is done.
type reader struct {
	ctx      context.Context
	cfg      aws.Config
	progress io.Writer

	mu      sync.Mutex // guards snap, results and progress
	snap    *audit.Snapshot
	results []audit.CallResult
}

// svc is one service's part of the read.
type svc struct {
	*reader
	mu      sync.Mutex // guards the fields below
	results []audit.CallResult
	files   map[string][]byte
	items   int // what the service read, for its progress line
}

// services lists the readers; they run concurrently.
var services = []struct {
	name string
	read func(*svc)
}{
	{"ec2", (*svc).readEC2},
	{"elbv2", (*svc).readELB},
	{"rds", (*svc).readRDS},
	{"elasticache", (*svc).readElastiCache},
	{"lambda", (*svc).readLambda},
	{"ecs", (*svc).readECS},
	{"batch", (*svc).readBatch},
	{"autoscaling", (*svc).readAutoScaling},
}

func (r *reader) service(name string, read func(*svc)) {
	start := time.Now()
	s := &svc{reader: r, files: map[string][]byte{}}
	read(s)
	results := s.sortedResults()
	var ok, bad []string
	for _, res := range results {
		if res.Status == audit.StatusRead {
			ok = append(ok, res.Operation)
		} else {
			bad = append(bad, fmt.Sprintf("%s %s", res.Operation, res.Status))
		}
	}
	line := fmt.Sprintf("audit: %s: %d of %d calls read, %d items, %.1fs", name, len(ok), len(ok)+len(bad), s.items, time.Since(start).Seconds())
	if len(bad) > 0 {
		line += "; not read: " + strings.Join(bad, ", ")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	maps.Copy(r.snap.Files, s.files)
	r.results = append(r.results, results...)
	fmt.Fprintln(r.progress, line)
	for _, res := range results {
		if res.Status == audit.StatusDenied {
			fmt.Fprintf(r.progress, "audit: %s %s was denied: the credentials lack the IAM permission %s (see audit --print-policy)\n", name, res.Operation, res.Permission)
		}
	}
}

// concurrently runs the functions at once and waits for them all.
func concurrently(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	wg.Wait()
}

// forEach calls fn for every item at once (the HTTP client bounds the
// calls in flight) and returns the results in the items' order, or the
// error of the first item that failed.
func forEach[T, R any](items []T, fn func(T) (R, error)) ([]R, error) {
	out := make([]R, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = fn(items[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sortedResults orders the results as audit.Calls, which is also the order
// they were made in, but makes the manifest independent of that.
func (r *reader) sortedResults() []audit.CallResult {
	out := slices.Clone(r.results)
	return sortResults(out)
}

func (s *svc) sortedResults() []audit.CallResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortResults(slices.Clone(s.results))
}

func sortResults(out []audit.CallResult) []audit.CallResult {
	slices.SortStableFunc(out, func(a, b audit.CallResult) int {
		return indexOf(a) - indexOf(b)
	})
	return out
}

func indexOf(res audit.CallResult) int {
	return slices.IndexFunc(audit.Calls, func(c audit.Call) bool { return c.Service == res.Service && c.Operation == res.Operation })
}

// guard is the middleware every client carries: it lets through only the
// operations of audit.Calls, so nothing this package sends can escape the
// published policy (or be anything but a read).
func guard(service string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("AuditCallGuard",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := middleware.GetOperationName(ctx)
				if _, ok := audit.CallFor(service, op); !ok {
					return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("audit: %s %s is not in audit.Calls; add it there so the IAM policy covers it", service, op)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}

func (s *svc) call(service, op string) audit.Call {
	c, ok := audit.CallFor(service, op)
	if !ok {
		panic("live: " + service + " " + op + " is not in audit.Calls")
	}
	return c
}

// record stores a call's outcome. For a successful call with a file, files
// maps the file name (the call's File, or File+id+".json" for per-resource
// folders) to the items written under the call's key.
func (s *svc) record(c audit.Call, err error, files map[string]any, count int) {
	res := audit.CallResult{Service: c.Service, Operation: c.Operation, Status: audit.StatusRead}
	if err != nil {
		res.Status, res.Error = audit.StatusFailed, err.Error()
		if denied(err) {
			res.Status, res.Permission = audit.StatusDenied, c.Action()
		}
		s.mu.Lock()
		s.results = append(s.results, res)
		s.mu.Unlock()
		return
	}
	lower := c.Service == "ecs" || c.Service == "batch"
	encoded := map[string][]byte{}
	for name, items := range files {
		b, encErr := cliJSON(c.Key, items, lower)
		if encErr != nil {
			res.Status, res.Error = audit.StatusFailed, "encoding: "+encErr.Error()
			break
		}
		encoded[name] = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.Copy(s.files, encoded)
	s.items += count
	s.results = append(s.results, res)
}

// skip records a call that could not be made because another was not read.
func (s *svc) skip(c audit.Call, because audit.Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results = append(s.results, audit.CallResult{
		Service: c.Service, Operation: c.Operation, Status: audit.StatusSkipped,
		Error: "needs the output of " + because.Service + " " + because.Operation,
	})
}

// deniedCodes are the error codes AWS services answer a call the
// credentials may not make with.
var deniedCodes = []string{
	"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
	"AuthorizationError", "AuthFailure", "UnauthorizedException", "ClientException: not authorized",
}

func denied(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && slices.Contains(deniedCodes, ae.ErrorCode()) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden
}

// pages follows a paginator to the end and collects its items.
func pages[O, T any](ctx context.Context, more func() bool, next func(context.Context) (O, error), items func(O) []T) ([]T, error) {
	out := []T{}
	for more() {
		page, err := next(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}

// chunks splits ids into groups of at most n, for describe calls that take
// a bounded list of ids.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// boundedClient lets at most cap(slots) requests be in flight: a slot is
// taken before the request goes out and given back when its response body
// is closed (or fully read), or when it fails. Retries wait for their
// backoff outside any slot.
type boundedClient struct {
	inner aws.HTTPClient
	slots chan struct{}
}

func (c *boundedClient) Do(req *http.Request) (*http.Response, error) {
	select {
	case c.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp, err := c.inner.Do(req)
	if err != nil {
		<-c.slots
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: sync.OnceFunc(func() { <-c.slots })}
	return resp, nil
}

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	defer b.release()
	return b.ReadCloser.Close()
}
