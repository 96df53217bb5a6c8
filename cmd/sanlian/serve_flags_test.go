package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_Require2FAFlag: an unknown role in --require-2fa stops serve
// before it opens anything, naming the roles it takes.
func TestRun_Require2FAFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--require-2fa", "office,boss", "--db", filepath.Join(t.TempDir(), "x.db")}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `未知角色 "boss"`) || !strings.Contains(err.Error(), "none") {
		t.Errorf("err = %v", err)
	}
}
