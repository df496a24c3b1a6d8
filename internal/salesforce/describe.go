package salesforce

import (
	"context"
	"fmt"
	"strings"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// DescribeGlobal lists the org's objects.
func (c *Client) DescribeGlobal(ctx context.Context) (*partner.DescribeGlobalResult, error) {
	var res *partner.DescribeGlobalResult
	err := c.invoke(ctx, &call{
		op: "describeGlobal", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<describeGlobal/>"...) },
		decode: func(d *decoder) { res = d.describeGlobal() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr("describeGlobal", "answer holds no result")
	}
	return res, nil
}

// DescribeSObject describes one object.
func (c *Client) DescribeSObject(ctx context.Context, sObjectType string) (*partner.DescribeSObjectResult, error) {
	const op = "describeSObject"
	if !partner.ValidName(sObjectType) {
		return nil, invalidInput(op, partner.CodeInvalidType, fmt.Sprintf("invalid sObject type %q", sObjectType))
	}
	var res *partner.DescribeSObjectResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		body: func(w *envWriter) {
			w.open(op)
			w.leaf("sObjectType", "sObjectType", sObjectType)
			w.close(op)
		},
		decode: func(d *decoder) {
			res = nil
			d.results(func(isNil bool) {
				if res != nil || isNil {
					d.sc.skip()
					return
				}
				r := d.describeSObject()
				res = &r
			})
		},
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

// DescribeSObjects describes several objects, MaxDescribeBatch per call;
// results come back in input order. On error, the results of the calls
// that succeeded are returned with it.
func (c *Client) DescribeSObjects(ctx context.Context, sObjectTypes []string) ([]partner.DescribeSObjectResult, error) {
	const op = "describeSObjects"
	for _, t := range sObjectTypes {
		if !partner.ValidName(t) {
			return nil, invalidInput(op, partner.CodeInvalidType, fmt.Sprintf("invalid sObject type %q", t))
		}
	}
	return chunked(sObjectTypes, partner.MaxDescribeBatch, func(part []string) ([]partner.DescribeSObjectResult, error) {
		var res []partner.DescribeSObjectResult
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			body: func(w *envWriter) {
				w.open(op)
				for _, t := range part {
					w.leaf("sObjectType", "sObjectType", t)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.describeSObjects() },
		})
		if err != nil {
			return nil, err
		}
		return inRequestOrder(op, part, res)
	})
}

// inRequestOrder returns describe results in the order their types were
// asked for. Salesforce answers in request order; this does not rely on it
// (names compare case-insensitively, as Salesforce treats them).
func inRequestOrder(op string, types []string, res []partner.DescribeSObjectResult) ([]partner.DescribeSObjectResult, error) {
	if len(res) != len(types) {
		return nil, decodeErr(op, fmt.Sprintf("answer holds %d results for %d types", len(res), len(types)))
	}
	inOrder := true
	for i := range types {
		if !strings.EqualFold(res[i].Name, types[i]) {
			inOrder = false
			break
		}
	}
	if inOrder {
		return res, nil
	}
	byName := make(map[string]int, len(res))
	for i := range res {
		byName[strings.ToLower(res[i].Name)] = i
	}
	out := make([]partner.DescribeSObjectResult, len(types))
	for i, t := range types {
		j, ok := byName[strings.ToLower(t)]
		if !ok {
			return nil, decodeErr(op, fmt.Sprintf("answer holds no result for %s", t))
		}
		out[i] = res[j]
	}
	return out, nil
}
