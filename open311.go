package sanlian

// Open311Service serves Open311 GeoReport v2 and the office's API keys.
type Open311Service interface{}
