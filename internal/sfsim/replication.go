package sfsim

import (
	"strings"
	"time"
)

// replicationWindow is how far back getUpdated and getDeleted reach
// (docs: 30 days; the recycle bin keeps deleted rows 15 days).
const replicationWindow = 30 * 24 * time.Hour

// replicationArgs reads sObjectType, startDate and endDate and checks them
// as Salesforce does.
func (s *Server) replicationArgs(c *call) (object string, start, end, latest time.Time, f *Fault) {
	typ, _ := c.body.value("sObjectType")
	obj, ok := s.sc().Object(typ)
	if !ok {
		return "", start, end, latest, faultInvalidType(typ)
	}
	if !obj.Replicateable {
		return "", start, end, latest, unexpected("INVALID_TYPE", "Entity %s is not replicateable", obj.Name)
	}
	sv, _ := c.body.value("startDate")
	ev, _ := c.body.value("endDate")
	start, err1 := parseDateTime(sv)
	end, err2 := parseDateTime(ev)
	if err1 != nil || err2 != nil {
		return "", start, end, latest, unexpected("INVALID_REPLICATION_DATE", "startDate and endDate must be valid dateTime values")
	}
	now := s.now()
	if !start.Before(end) {
		return "", start, end, latest, unexpected("INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
	}
	if start.Before(s.earliestAvailable(now).Add(-time.Minute)) && start.Before(now.Add(-replicationWindow)) {
		return "", start, end, latest, unexpected("INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
	}
	// Coverage stops at the last whole minute that has passed.
	latest = end
	if now.Before(latest) {
		latest = now
	}
	latest = latest.Truncate(time.Minute)
	return obj.Name, start, end, latest, nil
}

func (s *Server) earliestAvailable(now time.Time) time.Time {
	e := s.data.created
	if w := now.Add(-replicationWindow); w.After(e) {
		e = w
	}
	return e.Truncate(time.Minute)
}

func (s *Server) opGetUpdated(c *call) *Fault {
	s.mu.RLock()
	defer s.mu.RUnlock()
	object, start, _, latest, f := s.replicationArgs(c)
	if f != nil {
		return f
	}
	key := strings.ToLower(object)
	seen := map[string]bool{}
	w := &c.w
	w.open("result")
	for _, ch := range s.data.log {
		if ch.object != key || ch.kind != changeUpsert || ch.at.Before(start) || !ch.at.Before(latest) || seen[ch.id] {
			continue
		}
		rec := s.data.get(object, ch.id)
		if rec == nil || isDeleted(rec) {
			continue
		}
		seen[ch.id] = true
		w.elem("ids", ch.id)
	}
	w.elem("latestDateCovered", formatDateTime(latest))
	w.close("result")
	return nil
}

func (s *Server) opGetDeleted(c *call) *Fault {
	s.mu.RLock()
	defer s.mu.RUnlock()
	object, start, _, latest, f := s.replicationArgs(c)
	if f != nil {
		return f
	}
	key := strings.ToLower(object)
	// The last delete of each record in the window, for records still
	// deleted (in the bin or purged).
	last := map[string]time.Time{}
	var order []string
	for _, ch := range s.data.log {
		if ch.object != key || ch.kind != changeDelete || ch.at.Before(start) || !ch.at.Before(latest) {
			continue
		}
		if _, ok := last[ch.id]; !ok {
			order = append(order, ch.id)
		}
		last[ch.id] = ch.at
	}
	w := &c.w
	w.open("result")
	for _, id := range order {
		if rec := s.data.get(object, id); rec != nil && !isDeleted(rec) {
			continue // undeleted since
		}
		w.open("deletedRecords")
		w.elem("deletedDate", formatDateTime(last[id]))
		w.elem("id", id)
		w.close("deletedRecords")
	}
	w.elem("earliestDateAvailable", formatDateTime(s.earliestAvailable(s.now())))
	w.elem("latestDateCovered", formatDateTime(latest))
	w.close("result")
	return nil
}
