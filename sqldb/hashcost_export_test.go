package sqldb

// HashPasswordProduction hashes pw at the production cost, whatever
// UseTestHashCost set.
func HashPasswordProduction(pw string) string { return hashPassword(pw, argonTime, argonMemory) }

// DummyHash is the hash an unknown username's password is checked against.
func DummyHash() string { return dummyHash }
