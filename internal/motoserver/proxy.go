package motoserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Request is one AWS call seen by a Proxy.
type Request struct {
	// Service is the AWS CLI's name of the service (ec2, elbv2, rds, ...).
	Service string
	// Operation is the API operation, e.g. DescribeVpcs.
	Operation string
}

// Answer is what a Proxy's Intercept hook decides for a request: nil lets
// it through to moto.
type Answer struct {
	Status int
	Code   string // AWS error code
	Msg    string
}

// Proxy is an HTTP handler in front of moto that records every call and
// can answer some of them itself, to inject the faults a real account
// produces (throttling, denied permissions).
type Proxy struct {
	URL       string
	Intercept func(Request, int) *Answer // the int counts earlier calls of the same operation

	mu    sync.Mutex
	calls []Request
	srv   *httptest.Server
}

// NewProxy starts a proxy to the moto server at target; it stops when the
// test ends.
func NewProxy(tb interface{ Cleanup(func()) }, target string) *Proxy {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		req := identify(r, body)
		p.mu.Lock()
		n := 0
		for _, c := range p.calls {
			if c == req {
				n++
			}
		}
		p.calls = append(p.calls, req)
		hook := p.Intercept
		p.mu.Unlock()
		if hook != nil {
			if a := hook(req, n); a != nil {
				writeError(w, req.Service, *a)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	tb.Cleanup(p.srv.Close)
	return p
}

// Calls returns every call seen so far, in order.
func (p *Proxy) Calls() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.calls...)
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

// signingToCLI maps SigV4 signing names to the CLI's service names.
var signingToCLI = map[string]string{"elasticloadbalancing": "elbv2"}

func identify(r *http.Request, body []byte) Request {
	req := Request{}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.Service = m[1]
		if v, ok := signingToCLI[m[1]]; ok {
			req.Service = v
		}
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		req.Operation = t[strings.LastIndex(t, ".")+1:]
		return req
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
			req.Operation = v.Get("Action")
			return req
		}
	}
	// REST protocols: Lambda and Batch, by path.
	switch {
	case req.Service == "lambda" && r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/2015-03-31/functions":
		req.Operation = "ListFunctions"
	case req.Service == "batch":
		req.Operation = strings.TrimPrefix(r.URL.Path, "/v1/")
		switch req.Operation {
		case "describecomputeenvironments":
			req.Operation = "DescribeComputeEnvironments"
		case "describejobqueues":
			req.Operation = "DescribeJobQueues"
		}
	default:
		req.Operation = r.Method + " " + r.URL.Path
	}
	return req
}

// writeError answers in the error format of the service's protocol, so the
// SDK parses the code exactly as it would from AWS.
func writeError(w http.ResponseWriter, service string, a Answer) {
	switch service {
	case "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(a.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>injected</RequestID></Response>`, a.Code, a.Msg)
	case "rds", "elasticache", "elbv2", "autoscaling", "iam":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(a.Status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>injected</RequestId></ErrorResponse>`, a.Code, a.Msg)
	default: // JSON and REST-JSON protocols
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", a.Code)
		w.WriteHeader(a.Status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, a.Code, a.Msg)
	}
}
