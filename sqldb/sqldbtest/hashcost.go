package sqldbtest

import "sanlian/sqldb"

// A test binary that loads this package hashes new passwords at argon2id's
// least cost: a fixture county has eight accounts, and the production cost
// (tens of milliseconds a hash) made hashing most of the suite's CPU time.
// Logins still check each hash at the cost it was made with, an unknown
// username still costs a production hash, and sqldb's
// TestLogin_ProductionHashCost logs in against a production one.
func init() { sqldb.UseTestHashCost() }
