package open311_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with what the code answers now")

// golden compares got with testdata/name, or writes it there under -update.
func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./open311 -run %s -update to write it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from what the code answers now; if the change is meant, rerun with -update and read the diff.\ngot:\n%s", path, got)
	}
}

// TestOpen311_GoldenXML: the GeoReport v2 XML of the service list, a
// service definition and an error list, byte for byte, the same on both
// engines.
func TestOpen311_GoldenXML(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		for _, c := range []struct{ path, file string }{
			{"/open311/v2/services.xml?jurisdiction_id=" + sqldbtest.County, "open311_services.xml"},
			{"/open311/v2/services/transport.xml", "open311_service_transport.xml"},
			{"/open311/v2/services/nope.xml", "open311_error_404.xml"},
		} {
			_, body := a.do("GET", c.path, "")
			golden(t, c.file, body)
		}
	})
}
