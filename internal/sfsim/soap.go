package sfsim

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// call is one SOAP request being served.
type call struct {
	op      string
	version float64
	host    string // scheme://host the client used, for serverUrl
	header  *node  // soapenv:Header, possibly nil
	body    *node  // the operation element
	w       xw     // the content of <opResponse>
	needXSD bool   // the content uses the xsd prefix (describe defaultValue)
}

// header returns the named request header element, matched by local name.
func (c *call) soapHeader(name string) *node { return c.header.child(name) }

type opFunc func(s *Server, c *call) *Fault

type opSpec struct {
	fn      opFunc
	noAuth  bool // login needs no session and reports no LimitInfoHeader
	maxBody int64
}

var operations map[string]opSpec

func init() {
	operations = map[string]opSpec{
		"login":              {fn: (*Server).opLogin, noAuth: true, maxBody: 10 << 10},
		"logout":             {fn: (*Server).opLogout},
		"getUserInfo":        {fn: (*Server).opGetUserInfo},
		"getServerTimestamp": {fn: (*Server).opGetServerTimestamp},
		"describeGlobal":     {fn: (*Server).opDescribeGlobal},
		"describeSObject":    {fn: (*Server).opDescribeSObject},
		"describeSObjects":   {fn: (*Server).opDescribeSObjects},
		"query":              {fn: (*Server).opQuery},
		"queryAll":           {fn: (*Server).opQueryAll},
		"queryMore":          {fn: (*Server).opQueryMore},
		"retrieve":           {fn: (*Server).opRetrieve},
		"search":             {fn: (*Server).opSearch},
		"create":             {fn: (*Server).opCreate},
		"update":             {fn: (*Server).opUpdate},
		"upsert":             {fn: (*Server).opUpsert},
		"delete":             {fn: (*Server).opDelete},
		"undelete":           {fn: (*Server).opUndelete},
		"emptyRecycleBin":    {fn: (*Server).opEmptyRecycleBin},
		"merge":              {fn: (*Server).opMerge},
		"convertLead":        {fn: (*Server).opConvertLead},
		"getUpdated":         {fn: (*Server).opGetUpdated},
		"getDeleted":         {fn: (*Server).opGetDeleted},
	}
}

var versionRE = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]$`)

// parseVersion reads "58.0" from the URL; anything else is unsupported.
func (s *Server) parseVersion(v string) (float64, *Fault) {
	if !versionRE.MatchString(v) {
		return 0, faultUnsupportedVersion()
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < OldestVersion || f > s.cfg.NewestVersion {
		return 0, faultUnsupportedVersion()
	}
	return f, nil
}

func faultUnsupportedVersion() *Fault {
	return unexpected("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (s *Server) serveSOAP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeFaultHTTP(w, r, http.StatusMethodNotAllowed, clientFault("Only POST is supported by this SOAP endpoint"))
		return
	}
	version, f := s.parseVersion(r.PathValue("version"))
	if f != nil {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/xml" {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, clientFault("content-type of the request should be text/xml"))
		return
	}
	root, size, f := s.readEnvelope(w, r)
	if f != nil {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
		return
	}
	header, opNode, f := splitEnvelope(root)
	if f != nil {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
		return
	}
	spec, ok := operations[opNode.local]
	if !ok || (opNode.space != nsPartner && opNode.space != "") {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, clientFault(
			"No operation available for request {"+opNode.space+"}"+opNode.local+", please check the WSDL for the service."))
		return
	}
	if spec.maxBody > 0 && size > spec.maxBody {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, unexpected("EXCEEDED_MAX_SIZE_REQUEST",
			"The %s request exceeds the maximum size of %d bytes", opNode.local, spec.maxBody))
		return
	}
	s.stats.add(opNode.local)

	c := &call{op: opNode.local, version: version, host: requestHost(r), header: header, body: opNode, w: xw{b: getBuf()}}
	if inj := s.faults.take(opNode.local); inj != nil {
		if done := s.inject(w, r, inj); done {
			return
		}
	}
	current := 0
	if !spec.noAuth {
		if _, f := s.sessions.check(s.soapSessionID(header), s.now(), s.cfg.SessionTimeout); f != nil {
			s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
			return
		}
		n, f := s.stats.spend(s.cfg.DailyLimit, s.now())
		if f != nil {
			s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
			return
		}
		current = n
	}
	if f := spec.fn(s, c); f != nil {
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, f)
		return
	}

	out := xw{b: getBuf()}
	out.raw(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv +
		`" xmlns="` + nsPartner + `" xmlns:xsi="` + nsXSI + `" xmlns:sf="` + nsSObject + `"`)
	if c.needXSD {
		out.raw(` xmlns:xsd="` + nsXSD + `"`)
	}
	out.raw(`>`)
	if !spec.noAuth {
		out.raw(`<soapenv:Header><LimitInfoHeader><limitInfo>`)
		out.intElem("current", current)
		out.intElem("limit", s.cfg.DailyLimit)
		out.raw(`<type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>`)
	}
	out.raw(`<soapenv:Body>`)
	out.open(c.op + "Response")
	out.b = append(out.b, c.w.b...)
	out.close(c.op + "Response")
	out.raw(`</soapenv:Body></soapenv:Envelope>`)
	writeXML(w, r, http.StatusOK, out.b)
	putBuf(c.w.b)
	putBuf(out.b)
}

// Response buffers are reused: a 200-record page is ~100 KB, and growing
// a fresh slice for every call was most of a page's allocation.
var bytesPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func getBuf() []byte { return (*bytesPool.Get().(*[]byte))[:0] }

// putBuf returns b to the pool unless it is too big to keep around.
func putBuf(b []byte) {
	if cap(b) <= 8<<20 {
		bytesPool.Put(&b)
	}
}

// readEnvelope decompresses, bounds and parses the request body, and
// reports how many (decompressed) bytes it read.
func (s *Server) readEnvelope(w http.ResponseWriter, r *http.Request) (*node, int64, *Fault) {
	limit := s.cfg.MaxRequestBytes
	body := io.Reader(http.MaxBytesReader(w, r.Body, limit))
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, 0, clientFault("Premature end of file.")
			}
			return nil, 0, clientFault("Not in GZIP format")
		}
		defer zr.Close()
		body = zr
	case "deflate":
		fr := flate.NewReader(body)
		defer fr.Close()
		body = fr
	default:
		return nil, 0, clientFault("Unsupported Content-Encoding: " + r.Header.Get("Content-Encoding"))
	}
	// Bound what decompression may produce, not only what arrives.
	lr := &limitedReader{r: body, n: limit}
	root, err := parseXML(lr)
	if lr.exceeded || isMaxBytes(err) {
		return nil, 0, unexpected("EXCEEDED_MAX_SIZE_REQUEST", "Request exceeds the maximum size of %d bytes", limit)
	}
	if err != nil {
		return nil, 0, clientFault(err.Error())
	}
	return root, limit - lr.n, nil
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// limitedReader is io.LimitReader that remembers it cut the input short.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe one byte to tell "exactly at the limit" from "past it".
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, errors.New("request too large")
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// splitEnvelope finds the header and the single operation element.
func splitEnvelope(root *node) (header, op *node, f *Fault) {
	if root.local != "Envelope" {
		return nil, nil, clientFault("Unable to find envelope, found " + root.local)
	}
	if root.space == "http://www.w3.org/2003/05/soap-envelope" {
		return nil, nil, &Fault{soapCode: "VersionMismatch", Message: "SOAP 1.2 is not supported; use SOAP 1.1"}
	}
	if root.space != nsSOAPEnv {
		return nil, nil, clientFault("Unable to find envelope in namespace " + nsSOAPEnv)
	}
	var body *node
	for _, c := range root.children {
		if c.space != nsSOAPEnv {
			continue
		}
		switch c.local {
		case "Header":
			header = c
		case "Body":
			body = c
		}
	}
	if body == nil {
		return nil, nil, clientFault("Unable to find Body in the SOAP envelope")
	}
	if len(body.children) != 1 {
		return nil, nil, clientFault("Expected exactly one operation element in the SOAP Body, found " + strconv.Itoa(len(body.children)))
	}
	return header, body.children[0], nil
}

// soapSessionID reads SessionHeader/sessionId, matched by local name.
func (s *Server) soapSessionID(header *node) string {
	v, _ := header.child("SessionHeader").value("sessionId")
	return v
}

// requestHost is the scheme and host the client reached us on, so that
// serverUrl points back at this emulator whatever its address.
func requestHost(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func (s *Server) writeFaultHTTP(w http.ResponseWriter, r *http.Request, status int, f *Fault) {
	code := f.Code
	if f.soapCode != "" {
		code = "soapenv:" + f.soapCode
	}
	s.gauge.fault(code)
	var x xw
	writeFault(&x, f)
	writeXML(w, r, status, x.b)
}

// writeXML sends an envelope, gzipped when the client accepts it.
func writeXML(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Get("Accept-Encoding")) && len(b) > 256 {
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer bufPool.Put(buf)
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(buf)
		zw.Write(b) //nolint:errcheck // writes to a bytes.Buffer cannot fail
		zw.Close()  //nolint:errcheck // idem
		gzipPool.Put(zw)
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(status)
		w.Write(buf.Bytes()) //nolint:errcheck // the client went away; nothing to do
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

// inject applies an injected fault. It reports whether the response is
// complete; false means the call proceeds normally after the delay.
func (s *Server) inject(w http.ResponseWriter, r *http.Request, inj *injected) bool {
	if inj.delay > 0 || inj.kind == "timeout" {
		d := inj.delay
		if inj.kind == "timeout" && d == 0 {
			d = 5 * time.Minute // stall until the client gives up
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler)
		case <-s.closing:
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	switch inj.kind {
	case "timeout":
		// The caller's deadline should have fired long before; drop the
		// connection without an answer, as a dead upstream would.
		panic(http.ErrAbortHandler)
	case "http500":
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "<html><head><title>Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>") //nolint:errcheck // best effort
		return true
	case "REQUEST_LIMIT_EXCEEDED":
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, faultRequestLimit())
		return true
	case "UNABLE_TO_LOCK_ROW":
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, unexpected("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"))
		return true
	case "SERVER_UNAVAILABLE":
		s.writeFaultHTTP(w, r, http.StatusInternalServerError, unexpected("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."))
		return true
	}
	return false
}
