package sqldbtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"sanlian/sqldb"
)

// SQLite parses its whole schema again after each migration step, which
// made migrating most of the CPU time of the SQLite tests. A test database
// is instead a copy of a migrated file, built once per schema (named by the
// migrations' digest) in the system's temporary directory and kept there
// for later runs, as the PostgreSQL template is kept on its server.
var sqliteTemplate struct {
	once sync.Once
	path string
	err  error
}

// copySQLiteTemplate copies the migrated template file to dst.
func copySQLiteTemplate(dst string) error {
	sqliteTemplate.once.Do(func() {
		sqliteTemplate.path, sqliteTemplate.err = buildSQLiteTemplate()
	})
	if sqliteTemplate.err != nil {
		return sqliteTemplate.err
	}
	return copyFile(sqliteTemplate.path, dst)
}

// buildSQLiteTemplate returns the path of the migrated template, building
// it unless a run before did. It is built under a name of its own and
// renamed when whole, so test binaries building at once, or a run that dies
// half-way, leave no broken template behind.
func buildSQLiteTemplate() (string, error) {
	dir := filepath.Join(os.TempDir(), "sanlian-sqldbtest")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sqlite-"+sqldb.MigrationsDigest(sqldb.SQLite)[:12]+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	build, err := os.MkdirTemp(dir, "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build)
	file := filepath.Join(build, "test.db")
	ctx := context.Background()
	db, err := sqldb.Open(ctx, file, sqldb.Options{MaxConns: 2})
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// Closing the last connection checkpoints the write-ahead log into
	// the file and removes it: the file alone is the database.
	if _, err := os.Stat(file + "-wal"); err == nil {
		return "", fmt.Errorf("%s-wal left after closing the template", file)
	}
	if err := os.Rename(file, path); err != nil {
		return "", err
	}
	return path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
