package sqldb

// SetMoveBatchForTest makes MoveFilesOut move n rows a transaction.
func (db *DB) SetMoveBatchForTest(n int) { db.moveRows = n }
