package open311

import "testing"

// TestRouteList: the expected routes and who may use them. No route asks
// for an account; posting asks for an API key, which the handler checks.
func TestRouteList(t *testing.T) {
	want := map[string]access{
		"GET /open311/v2/{file}":          public,
		"POST /open311/v2/{file}":         apiKey,
		"GET /open311/v2/services/{file}": public,
		"GET /open311/v2/service/{file}":  public,
		"GET /open311/v2/requests/{file}": public,
		"GET /open311/v2/tokens/{file}":   public,
		"GET /open311/v2/{rest...}":       public,
		"POST /open311/v2/{rest...}":      public,
	}
	h := New(nil, Config{})
	for _, rt := range h.routes {
		if a, ok := want[rt.pattern]; !ok || a != rt.access {
			t.Errorf("route %q is %q, want %q", rt.pattern, rt.access, a)
		}
	}
	if len(h.routes) != len(want) {
		t.Errorf("%d routes, want %d", len(h.routes), len(want))
	}
}
