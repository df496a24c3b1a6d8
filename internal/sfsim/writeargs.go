package sfsim

// noItems is the fault of a write call that names nothing to write. The
// WSDL lets every write operation's list be empty (minOccurs="0"), and an
// empty list would be answered with an empty <opResponse/>: no result and
// no fault, which a client cannot tell from a lost answer (issue 8: an
// empty mergeResponse). sfsim never answers a write that way; the code is
// the ExceptionCode Salesforce uses for an absent argument, the wording
// sfsim's own (no real answer to an empty write was found).
func noItems(op, element string) *Fault {
	return unexpected("MISSING_ARGUMENT", "%s: no %s specified", op, element)
}

// mergeRequests returns the merge call's requests. The WSDL names the
// element request, but clients name it as they like and Salesforce answers
// them all: jsforce sends mergeRequests (src/api/soap.ts, merge();
// jsforce/jsforce#950 shows it working once masterRecord has type and Id),
// the R package salesforcer mergeRequest (StevenMMortimer/salesforcer#102
// shows the org answering it). So a request is any child element that is
// named request or carries a masterRecord, in any namespace.
func mergeRequests(body *node) []*node {
	var out []*node
	for _, c := range body.children {
		if c.local == "request" || c.child("masterRecord") != nil {
			out = append(out, c)
		}
	}
	return out
}

// idArgs reads the ids argument of delete, undelete and emptyRecycleBin.
func idArgs(c *call) ([]string, *Fault) {
	ids := c.body.values("ids")
	if len(ids) > maxWriteRecords {
		return nil, faultIDLimit()
	}
	if len(ids) == 0 {
		return nil, noItems(c.op, "ids")
	}
	return ids, nil
}
