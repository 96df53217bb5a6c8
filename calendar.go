package sanlian

import "time"

// Shanghai is the zone of every calendar boundary (SPEC §4), whatever the
// server's own zone.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// No zoneinfo on the machine: China has kept UTC+8 without daylight
		// saving since 1991, so a fixed zone is exact for every date we hold.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
