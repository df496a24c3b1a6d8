package sfsim

import (
	"bytes"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// maxDescribeSObjects is describeSObjects' limit on types per call.
const maxDescribeSObjects = 100

func (s *Server) opDescribeGlobal(c *call) *Fault {
	var b bytes.Buffer
	meta.WriteDescribeGlobal(&b, s.sc().Objects())
	c.needXSD = true
	c.w.open("result")
	c.w.b = append(c.w.b, b.Bytes()...)
	c.w.close("result")
	return nil
}

func (s *Server) opDescribeSObject(c *call) *Fault {
	typ, _ := c.body.value("sObjectType")
	return s.describe(c, []string{typ})
}

func (s *Server) opDescribeSObjects(c *call) *Fault {
	types := c.body.values("sObjectType")
	if len(types) > maxDescribeSObjects {
		return unexpected("EXCEEDED_ID_LIMIT", "describeSObjects: no more than %d sObject types may be requested", maxDescribeSObjects)
	}
	return s.describe(c, types)
}

func (s *Server) describe(c *call, types []string) *Fault {
	objs := make([]*meta.Object, 0, len(types))
	for _, t := range types {
		o, ok := s.sc().Object(t)
		if !ok {
			return faultInvalidType(t)
		}
		objs = append(objs, o)
	}
	var b bytes.Buffer
	for _, o := range objs {
		b.WriteString("<result>")
		meta.WriteDescribeSObject(&b, o, c.host)
		b.WriteString("</result>")
	}
	c.needXSD = true
	c.w.b = append(c.w.b, b.Bytes()...)
	return nil
}
