package sanlian_test

import (
	"testing"
	"time"

	"sanlian"
)

// TestMsgEventOf: which change of a problem tells its reporter what.
func TestMsgEventOf(t *testing.T) {
	p := func(state string, reopened int) *sanlian.Problem {
		return &sanlian.Problem{State: state, Reopened: reopened}
	}
	for _, c := range []struct {
		before, after *sanlian.Problem
		want          string
	}{
		{p(sanlian.StateSubmitted, 0), p(sanlian.StateAssigned, 0), ""},
		{p(sanlian.StateAssigned, 0), p(sanlian.StateAccepted, 0), sanlian.MsgAccepted},
		{p(sanlian.StateAccepted, 0), p(sanlian.StateAccepted, 0), ""}, // an extension, a co-unit's part
		{p(sanlian.StateAccepted, 0), p(sanlian.StateResolved, 0), sanlian.MsgResolved},
		{p(sanlian.StateResolved, 0), p(sanlian.StateResolved, 0), ""}, // a satisfied callback
		{p(sanlian.StateResolved, 0), p(sanlian.StateAccepted, 1), sanlian.MsgReopened},
		{p(sanlian.StateClosed, 1), p(sanlian.StateAccepted, 2), sanlian.MsgReopened},
		{p(sanlian.StateResolved, 0), p(sanlian.StateClosed, 0), sanlian.MsgClosed},
		{p(sanlian.StateSubmitted, 0), p(sanlian.StateRejected, 0), ""},
	} {
		if got := sanlian.MsgEventOf(c.before, c.after); got != c.want {
			t.Errorf("%s→%s (reopened %d→%d): %q, want %q", c.before.State, c.after.State, c.before.Reopened, c.after.Reopened, got, c.want)
		}
	}
	if a, b := sanlian.MsgDedupeKey(7, sanlian.MsgResolved, sanlian.ChannelSMS, 0), sanlian.MsgDedupeKey(7, sanlian.MsgResolved, sanlian.ChannelSMS, 1); a == b {
		t.Errorf("a reopened problem's second resolution has the first's key %q", a)
	}
}

// TestMsgRetryAt: growing delays, the quiet hours, the last attempt.
func TestMsgRetryAt(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2021, 5, d, h, m, 0, 0, sanlian.Shanghai) }
	for _, c := range []struct {
		event string
		n     int
		now   time.Time
		want  time.Time
		again bool
	}{
		{sanlian.MsgReceived, 1, at(10, 9, 0), at(10, 9, 0).Add(30 * time.Second), true},
		{sanlian.MsgReceived, 4, at(10, 9, 0), at(10, 10, 0), true},
		{sanlian.MsgReceived, 5, at(10, 17, 0), at(10, 23, 0).Add(9 * time.Hour), true}, // 23:00 is quiet: 08:00
		{sanlian.MsgReceived, sanlian.MsgMaxAttempts, at(10, 9, 0), time.Time{}, false},
		{sanlian.MsgLookupCode, 1, at(10, 23, 0), at(10, 23, 0).Add(30 * time.Second), true}, // not held
		{sanlian.MsgLookupCode, 3, at(10, 9, 0), time.Time{}, false},
	} {
		got, again := sanlian.MsgRetryAt(c.event, c.n, c.now)
		if again != c.again || !got.Equal(c.want) {
			t.Errorf("%s after %d at %v: %v %v, want %v %v", c.event, c.n, c.now, got, again, c.want, c.again)
		}
	}
}

// TestMsgSettingsView: the flags override the stored values and the view
// says which; every event has its reason or none.
func TestMsgSettingsView(t *testing.T) {
	stored := sanlian.MsgSettings{Enabled: true, Provider: sanlian.ProviderAliyun, PublicURL: "https://a.example",
		SMS: map[string]string{sanlian.MsgReceived: "SMS_1"}, Wechat: map[string]string{}}
	v := sanlian.NewMsgSettingsView(stored, sanlian.MsgOverrides{Provider: sanlian.ProviderHTTP, PublicURL: "https://b.example/"}, false)
	if v.Effective.Provider != sanlian.ProviderHTTP || v.Effective.PublicURL != "https://b.example" || v.Stored.Provider != sanlian.ProviderAliyun {
		t.Errorf("effective %+v", v.Effective)
	}
	if !v.SetByFlag("provider") || !v.SetByFlag("public_url") || v.SetByFlag("endpoint") {
		t.Errorf("by flag %v", v.ByFlag)
	}
	// The gateway sends by text: no template needed; WeChat needs its own.
	if r := v.Skip[sanlian.ChannelSMS][sanlian.MsgClosed]; r != "" {
		t.Errorf("sms closed: %q", r)
	}
	if r := v.Skip[sanlian.ChannelWechat][sanlian.MsgClosed]; r == "" {
		t.Error("wechat closed without a template is sent")
	}
	v = sanlian.NewMsgSettingsView(stored, sanlian.MsgOverrides{}, false)
	if v.Skip[sanlian.ChannelSMS][sanlian.MsgReceived] != "" || v.Skip[sanlian.ChannelSMS][sanlian.MsgAccepted] == "" {
		t.Errorf("aliyun skips %v", v.Skip[sanlian.ChannelSMS])
	}
	for _, f := range []sanlian.MsgFilter{{State: "lost"}, {Event: "birthday"}} {
		if sanlian.ErrorCode(f.Validate()) != sanlian.EUNPROCESSABLE {
			t.Errorf("filter %+v accepted", f)
		}
	}
}
