package web

// PLACEHOLDER: removed once the attachment and export handlers land.

import (
	"net/http"

	"sanlian"
)

func notYet(w http.ResponseWriter, r *http.Request) error {
	return sanlian.Errorf(sanlian.ENOTFOUND, "未实现")
}
