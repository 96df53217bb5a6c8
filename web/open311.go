package web

// open311Routes are Open311 GeoReport v2 under /open311/v2/ and the
// office's API keys.
func (s *Server) open311Routes() []route { return nil }

// open311Policy is who may use open311Routes.
var open311Policy = map[string]access{}
