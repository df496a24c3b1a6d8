package sfsim

func (s *Server) opSearch(c *call) *Fault {
	return unexpected("UNKNOWN_EXCEPTION", "search pending")
}
