package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_MessageFlags: a bad --sms-provider, --public-url or
// --sms-endpoint, and a key file that is not there, stop serve before it
// serves, each with its reason in Chinese.
func TestRun_MessageFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sms-provider", "cmcc"}, "--sms-provider 只能是"},
		{[]string{"--public-url", "ftp://sl.example"}, "--public-url：网站地址无效"},
		{[]string{"--sms-endpoint", "sms.example"}, "--sms-endpoint：接口地址无效"},
		{[]string{"--sms-key-file", filepath.Join(t.TempDir(), "none.keys")}, "none.keys"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db")}, c.args...)
		err := run(context.Background(), args, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v", c.args, err)
		}
	}
}
