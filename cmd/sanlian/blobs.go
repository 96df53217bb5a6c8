package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sanlian/blobs"
	"sanlian/sqldb"
)

// blobsFlag is --blobs, the store of the deployment's files.
func blobsFlag(fs *flag.FlagSet) *string {
	return fs.String("blobs", os.Getenv("SANLIAN_BLOBS"), "where files (attachments, photos, self-criticisms) are kept: a directory, file:///DIR, or "+
		"s3://BUCKET?endpoint=HOST:PORT&region=…&secure=false&prefix=… with the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "+
		"(env SANLIAN_BLOBS; default: files/ beside an SQLite file; required for PostgreSQL)")
}

// errNoBlobs is said when a PostgreSQL deployment names no file store.
var errNoBlobs = errors.New("使用 PostgreSQL 时须用 --blobs 或环境变量 SANLIAN_BLOBS 指定文件存储（目录或 s3://…；多个节点须共用同一个）")

// blobsLocation is the store location to use: loc when given, else files/
// beside an SQLite file; PostgreSQL has no default, as its nodes must
// share one store.
func blobsLocation(loc, dsn string) (string, error) {
	switch {
	case loc != "":
		return loc, nil
	case sqldb.IsPostgres(dsn):
		return "", errNoBlobs
	}
	return filepath.Join(filepath.Dir(dsnPath(dsn)), "files"), nil
}

// openBlobs opens the store blobsLocation names.
func openBlobs(loc, dsn string) (blobs.Store, error) {
	loc, err := blobsLocation(loc, dsn)
	if err != nil {
		return nil, err
	}
	s, err := blobs.Open(loc)
	if err != nil {
		return nil, fmt.Errorf("文件存储 %s 无法打开: %w", loc, err)
	}
	return s, nil
}

// moveFilesOut moves the files still kept in the database to its store,
// telling the progress on out.
func moveFilesOut(ctx context.Context, db *sqldb.DB, out io.Writer) error {
	n, err := db.FilesToMove(ctx)
	if err != nil || n == 0 {
		return err
	}
	fmt.Fprintf(out, "正在把数据库中的 %d 个文件移至文件存储 %s……\n", n, db.Blobs)
	err = db.MoveFilesOut(ctx, func(done, total int) {
		fmt.Fprintf(out, "已迁移 %d/%d 个文件\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("移动文件中断（已移动的不受影响，再次运行 sanlian migrate 即可继续）: %w", err)
	}
	fmt.Fprintf(out, "文件已全部移至文件存储\n")
	return nil
}
