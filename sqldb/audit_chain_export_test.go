package sqldb

// SealLockKey is the PostgreSQL advisory lock of the sealer, for tests
// that hold it as another node would.
var SealLockKey = sealLockKey
